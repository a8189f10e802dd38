"""Alembic environment: runs on the engine or connection yuqing hands it (see yuqing.db.migrate)."""
from __future__ import annotations

from alembic import context

from yuqing.db import load_model_modules
from yuqing.models import Base

load_model_modules()
config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = config.attributes["engine"]
    with engine.begin() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch mode to alter tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    raise SystemExit("yuqing runs migrations online only: use 'yuqing db upgrade'")
run_migrations_online()
