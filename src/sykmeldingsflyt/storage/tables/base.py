"""Every table, one module per owner. Each service owns its own tables; the delivery tables are shared
plumbing, with a column saying which service a row belongs to."""

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

# Explicit constraint names keep migrations identical on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants a BIGINT for a busy outbox.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = metadata
