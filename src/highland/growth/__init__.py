"""High-growth enterprises: rule sets of the yearly lists (独角兽 · 培育独角兽 · 瞪羚), the
classification of the registry under them, and the published lists with entries and exits."""
