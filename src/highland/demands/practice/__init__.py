"""The 12345 practice: extension requests and callbacks (models), their pages and API, and
the practice metrics (on-time over what fell due, by request type, callback satisfaction)."""
