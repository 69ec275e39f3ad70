"""The demo's chain data, kept apart from the domain code: the eight demo chains (chains, read
from the YAML files in chains/demo/) and a year of scheduling history (governance). The
reference figures and prospects of the demo are files in chains/demo_reference/."""
