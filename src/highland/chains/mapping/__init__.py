"""Enterprises in chain segments: suggestions, decisions, manual links (service) and leading
firms (leading), with their JSON API, pages and CLI commands."""
