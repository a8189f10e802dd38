"""Schema migrations: an upgrade keeps an office's data, and the models never drift from the migrations."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from yuqing.db import alembic_config, connect, current_revision, head_revision, load_model_modules, migrate
from yuqing.models import Base


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(None))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_upgrade_keeps_data(database_url):
    """Fill the first schema with data, upgrade to the newest, and find every row unchanged."""
    engine = connect(database_url)
    first = _revisions()[0]
    migrate(engine, first)
    assert current_revision(engine) == first
    t = datetime(2026, 11, 20, 1, 0)
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO posts (id, key, source, kind, url, title, text, fetched_at, published_at, reposts, comments, likes,"
            " media_level, matched_keywords) VALUES (42, :key, 'county-news', 'news', 'https://x.cn/1', '云溪县拆迁',"
            " '城关镇拆迁补偿', :t, :t, 1, 2, 3, 'local', '[]')"), {"key": "a" * 40, "t": t})
        c.execute(text(
            "INSERT INTO events (id, title, summary, level, level_reasons, level_by, first_seen_at, post_count, engagement,"
            " sources, media_levels, status, features, created_at, updated_at) VALUES (7, '城关镇拆迁纠纷', '', 3, '[]', 'model',"
            " :t, 1, 6, '[]', '[]', 'open', '{}', :t, :t)"), {"t": t})
        c.execute(text(
            "INSERT INTO alerts (id, event_id, title, level, status, current_step, issue_started_at, deadline_at,"
            " reminders_sent, follow_up_round, created_at, updated_at) VALUES (3, 7, '城关镇拆迁纠纷', 3, 'open', 2, :t, :t, '[]', 0, :t, :t)"),
            {"t": t})
        c.execute(text("INSERT INTO users (id, username, name, role, active, created_at) VALUES (1, 'wang', '王', 'monitor', true, :t)"), {"t": t})
    migrate(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as c:
        assert c.execute(text("SELECT title, text, reposts FROM posts WHERE id = 42")).one() == ("云溪县拆迁", "城关镇拆迁补偿", 1)
        assert c.execute(text("SELECT title, level FROM events WHERE id = 7")).one() == ("城关镇拆迁纠纷", 3)
        assert c.execute(text("SELECT event_id, current_step FROM alerts WHERE id = 3")).one() == (7, 2)
        assert c.execute(text("SELECT username FROM users")).scalars().all() == ["wang"]
    engine.dispose()


def test_models_match_migrations(database_url):
    """Every model change has its Alembic revision (run `alembic revision --autogenerate` via yuqing.db)."""
    engine = connect(database_url)
    migrate(engine)
    load_model_modules()
    with engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations: {diff}"


def test_upgrade_is_idempotent(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == head_revision()


_OPEN_WHEN_TOLD = """
import pathlib, sys, time
from yuqing.config import from_dict
from yuqing.deployment import Deployment
users = [{"username": "admin", "name": "系统管理员", "role": "admin"}, {"username": "wang", "name": "王", "role": "monitor"}]
cfg = from_dict({"locality": {"name": "云溪县"}, "users": users,
                 "storage": {"data_dir": sys.argv[1], "database_url": sys.argv[2]}}, None)
print("ready", flush=True)
go = pathlib.Path(sys.argv[3])
while not go.exists():
    time.sleep(0.005)
Deployment.open(cfg).engine.dispose()
print("opened", flush=True)
"""


@pytest.mark.parametrize("upgraded", [False, True], ids=["new", "upgraded"])
def test_processes_opening_a_new_database_at_once_all_open_it(tmp_path, database_url, upgraded):
    """The scheduler and the web app started together on a new office's database: one upgrades the schema
    and creates the configured users, the others wait for it or find them there (both creating the same
    tables, or the same users after 'yuqing db upgrade', made one fail)."""
    if upgraded:
        migrate(connect(database_url))
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN_WHEN_TOLD, str(tmp_path / "data"), database_url, str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        go.touch()  # all at the same moment
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0 and out.strip() == "opened", err[-1500:]
    engine = connect(database_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as c:
        assert c.execute(text("SELECT username FROM users ORDER BY username")).scalars().all() == ["admin", "wang"]
        assert c.execute(text("SELECT count(*) FROM audit_log WHERE action = 'user.create'")).scalar() == 2
    engine.dispose()
