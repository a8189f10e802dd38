"""Database connection and schema migrations.

``connect(url)`` gives an engine with SQLite set up for a small office (WAL,
foreign keys, a busy timeout so the web app and the scheduler share the file);
``migrate(engine)`` brings the schema to the newest Alembic revision, keeping
data. ``session_factory`` is what every stage uses to open sessions.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def connect(url: str, **kwargs) -> Engine:
    """Create an engine; for SQLite, make the folder and set pragmas."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            _set_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


#: how long a connection keeps asking to turn a new SQLite database to WAL while another process holds it
WAL_WAIT_SECONDS = 30.0


def _set_wal(cur) -> None:
    """Turn the database to write-ahead logging. Turning a new database to WAL needs it alone, and SQLite answers
    "database is locked" at once, without waiting out the busy timeout, while another process holds it (the scheduler
    and the web app opening a new office's database together): so ask again until it is free."""
    deadline = time.monotonic() + WAL_WAIT_SECONDS
    pause = 0.01
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def alembic_config(engine: Engine):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


#: PostgreSQL's advisory lock held while the schema is upgraded (any number, the same in every yuqing process)
MIGRATION_LOCK_KEY = 0x79757169


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (default: newest), keeping data: one process at a time (the
    scheduler and the web app started together on a new database both found it empty and created the same
    tables; one of them failed). The one that waited finds the schema upgraded and does nothing."""
    from alembic import command

    with _migration_lock(engine), engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # held until this transaction ends
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _migration_lock(engine: Engine):
    """A lock file beside an SQLite database (its transactions cannot hold the whole upgrade)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        return nullcontext()
    from filelock import FileLock

    return FileLock(f"{path}.migrate.lock")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()  # type: ignore[arg-type]


def needs_migration(engine: Engine) -> bool:
    return current_revision(engine) != head_revision()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with factory() as session:
        with session.begin():
            yield session


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


#: modules that define tables on yuqing.models.Base; stages add theirs here
MODEL_MODULES = ("yuqing.models", "yuqing.alerts.models", "yuqing.reports.models", "yuqing.duty",
                 "yuqing.scheduler")


def load_model_modules() -> None:
    """Import every module that defines tables, so the metadata is complete."""
    import importlib

    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
