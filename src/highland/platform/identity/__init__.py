"""Users, roles, permissions, sessions and API tokens."""
