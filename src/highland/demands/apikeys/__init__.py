"""Open311 API keys: the keys (service) and `highland apikeys …` (cli)."""
