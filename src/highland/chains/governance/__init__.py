"""The chain-length system's scheduling (链长制调度): monthly scheduling records and their
tasks (service), who is notified of task events (notices), the overdue sweep of tasks (sweep),
with their JSON API and pages."""
