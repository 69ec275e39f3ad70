"""Chain analytics: location quotients and concentration (measures), gaps and the prospects
ranked for each gap (service), the reference figures and prospect lists they read
(reference_data), with their JSON API, page and CLI commands."""
