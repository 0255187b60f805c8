"""The database: SQLAlchemy 2 tables, Alembic migrations and repository functions."""
