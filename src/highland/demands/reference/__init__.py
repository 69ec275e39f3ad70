"""Reference data of demands: categories and their limits, institutions, the routing table
(service), and their admin pages (pages, calendar_pages). This module is the package's public
face for the rest of the code base (filing routes a demand with `route_for`)."""

from highland.demands.reference.loader import load_reference
from highland.demands.reference.service import (
    ANY_DISTRICT,
    Route,
    check_category,
    check_institution,
    check_route,
    clear_routing,
    delete_route,
    route_for,
    set_route,
    upsert_category,
    upsert_institution,
)

__all__ = [
    "ANY_DISTRICT",
    "Route",
    "check_category",
    "check_institution",
    "check_route",
    "clear_routing",
    "delete_route",
    "load_reference",
    "route_for",
    "set_route",
    "upsert_category",
    "upsert_institution",
]
