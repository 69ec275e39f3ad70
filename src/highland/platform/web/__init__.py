"""Server-rendered pages: templates, static assets, translations."""
