"""Alembic migrations for the dondoc schema."""
