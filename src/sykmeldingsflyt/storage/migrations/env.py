"""Alembic runs inside Database.migrate(), on the connection it is handed; there is no alembic.ini."""

from alembic import context

from sykmeldingsflyt.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
