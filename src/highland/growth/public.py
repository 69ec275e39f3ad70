"""What the growth domain lends: each firm's category on the city's high-growth list valid at a
date, registered by the assembly (`highland.wiring`) so that the portrait (and so support
policies, through the `growth_category` field) reads it without the registry importing growth."""

from __future__ import annotations

from datetime import date

from highland.enterprises.public import CategorySource
from highland.growth import repository


def growth_categories(as_of: date) -> CategorySource:
    """The source of the portrait's `growth_category` as of a date."""
    return repository.category_source(as_of)
