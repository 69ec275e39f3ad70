"""Month-by-month trends of a chain's indicators (service), with their JSON API and page."""
