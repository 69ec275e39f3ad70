"""Enterprise registry and portraits."""
