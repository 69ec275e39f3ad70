"""Demo data of demands: the reference data (reference.yaml), the scripted demands (script)
and their loading (service). Nothing here is imported by the running platform."""
