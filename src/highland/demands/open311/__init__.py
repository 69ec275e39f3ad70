"""Open311 GeoReport v2 at /open311/v2/: the routes (api), the spec's JSON/XML answers
(formats), the check of a filed request (filing) and the public reads (repository)."""
