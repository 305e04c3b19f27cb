"""Persistence: ORM models, the database handle, and repository queries."""
