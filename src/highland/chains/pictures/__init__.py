"""Pictures of a chain drawn on the server as SVG (service): the chain map and the district
breakdown, with their pages."""
