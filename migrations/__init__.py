"""Alembic's migration scripts for motdepasse's database (see ``domain.schema``)."""
