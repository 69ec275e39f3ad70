"""Industrial chains and the chain-length system (链长制): chains as versioned segment trees,
enterprises in segments with evidence, leading firms, and the chain analytics.

The core here is the chain tree itself (models, loader, service, api, pages, cli) and the
figures and indicators several features read; each feature is a sub-package with its own
service, api, pages and cli: mapping, analytics, governance, report, trends, pictures.
"""
