"""Alembic runs inside Database.migrate(), on the connection it is handed; there is no alembic.ini.

That connection is already in a transaction, so every migration of a run commits together with the
version table, or not at all: `transactional_ddl` says so for SQLite too, where Database.migrate() makes
the driver leave DDL inside the transaction.
"""

from alembic import context

from sykmeldingsflyt.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
