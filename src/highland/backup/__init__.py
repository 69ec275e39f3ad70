"""Backups and restores of the whole database (SQLite: the backup API; PostgreSQL: pg_dump and
pg_restore); see docs/security.md, "Backup and restore"."""
