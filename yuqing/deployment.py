"""One deployment opened for work: its configuration, database and post store.

The command line, the web app and the scheduler each build one
:class:`Deployment` and hand it to the stages; stages never read the
configuration file or open connections themselves.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from yuqing import audit
from yuqing.config import Config, redact_url
from yuqing.db import connect, migrate, needs_migration, session_factory
from yuqing.errors import YuqingError
from yuqing.models import User
from yuqing.store import PostStore, open_post_store

log = logging.getLogger(__name__)


@dataclass
class Deployment:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    _posts: PostStore | None = field(default=None, repr=False)

    @classmethod
    def open(cls, config: Config, *, upgrade: bool = True) -> "Deployment":
        """Connect, bring the schema up to date (keeping data) and sync configured users."""
        config.data_dir.mkdir(parents=True, exist_ok=True)
        url = config.database_url
        try:
            engine = connect(url)
            if needs_migration(engine):
                if not upgrade:
                    raise YuqingError("the database schema is out of date; run 'yuqing db upgrade'")
                log.info("upgrading database schema at %s", redact_url(url))
                migrate(engine)
        except YuqingError:
            raise
        except Exception as e:  # connection refused, bad URL, …
            raise YuqingError(f"cannot open database {redact_url(url)}: {str(e).splitlines()[0]}") from e
        dep = cls(config=config, engine=engine, sessions=session_factory(engine))
        dep.sync_users()
        return dep

    @property
    def posts(self) -> PostStore:
        if self._posts is None:
            self._posts = open_post_store(self.config, self.engine)
        return self._posts

    @cached_property
    def data_dir(self):
        return self.config.data_dir

    def sync_users(self) -> None:
        """Create users named in the configuration; keep their passwords; update name and role.

        Two processes started together (the scheduler and the web app) may both find a user missing: the
        one whose insert fails reads the users again and finds it there."""
        for attempt in range(3):
            try:
                return self._sync_users()
            except IntegrityError:
                if attempt == 2:
                    raise
                log.info("another process created configured users meanwhile; reading them again")

    def _sync_users(self) -> None:
        from werkzeug.security import generate_password_hash

        with self.sessions() as s, s.begin():
            existing = {u.username: u for u in s.scalars(select(User))}
            for u in self.config.users:
                row = existing.get(u.username)
                if row is None:
                    pw = os.environ.get(u.password_env) if u.password_env else None
                    row = User(
                        username=u.username,
                        name=u.name,
                        role=u.role.value,
                        email=u.email,
                        password_hash=generate_password_hash(pw) if pw else None,
                    )
                    s.add(row)
                    s.flush()
                    audit.record(s, audit.SYSTEM, "user.create", row, role=u.role.value)
                elif (row.name, row.role, row.email) != (u.name, u.role.value, u.email):
                    old_role = row.role
                    row.name, row.role, row.email = u.name, u.role.value, u.email
                    audit.record(s, audit.SYSTEM, "user.update", row, role=u.role.value, old_role=old_role)

    def close(self) -> None:
        if self._posts is not None:
            self._posts.close()
        self.engine.dispose()
