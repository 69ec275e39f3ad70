"""Desks: what each role sees at `/` after signing in, gathered from the other domains."""
