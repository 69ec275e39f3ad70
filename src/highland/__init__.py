"""Highland: an open platform for a city's industrial-innovation work."""

__version__ = "0.1.0"
