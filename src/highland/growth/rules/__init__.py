"""Growth rule sets: reading them (loader), the functions over yearly series (functions),
the set-based evaluator (frame) and the plain reference evaluator (reference). Pure."""
