"""``yuqing store``: migrating an office's posts from SQLite to a real Elasticsearch node, resumably."""
from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta

import pytest
import yaml

from conftest import LOCALITY
from test_store import T0, make_post
from yuqing.cli import main
from yuqing.store import PostQuery, PostRecord

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def office(tmp_path):
    """A configuration file for an office on SQLite, with an Elasticsearch node configured but not in use."""
    url = os.environ.get("YUQING_TEST_ES_URL")
    if not url:
        pytest.skip("Elasticsearch not configured: set YUQING_TEST_ES_URL (scripts/services.sh starts a node)")
    prefix = f"yuqing-test-{uuid.uuid4().hex[:10]}"
    path = tmp_path / "yuqing.yaml"

    def write(posts: str = "sql"):
        data = {"locality": LOCALITY, "storage": {"data_dir": str(tmp_path / "data"), "posts": posts,
                                                  "elasticsearch": {"hosts": [url], "index_prefix": prefix}}}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    write()
    yield write
    from yuqing.config import load
    from yuqing.store.elastic import ElasticPostStore

    es = ElasticPostStore.from_config(load(str(path)))
    es.drop_all()
    es.close()


def _run(capsys, path, *args):
    rc = main(["--config", str(path), *args])
    out, err = capsys.readouterr()
    return rc, out, err


def _open(path):
    from yuqing.config import load
    from yuqing.deployment import Deployment

    return Deployment.open(load(str(path)))


def test_migrate_resumes_and_copies_everything(office, capsys):
    path = office()
    dep = _open(path)
    posts = [make_post(i, author=f"网友{i}", matched_keywords=["云溪县"]) for i in range(25)]
    dep.posts.add(posts)
    dep.posts.update({posts[0].id: {"relevant": True, "topic": "征地拆迁", "classified_at": T0, "level": 2}})
    dep.close()

    # a first run that stops early, as if killed after two batches
    rc, out, err = _run(capsys, path, "store", "migrate", "--to", "elasticsearch", "--batch", "10", "--limit", "20")
    assert rc == 0, err
    assert "25 posts in SQL" in out and "20/25 posts (80%)" in out
    assert "stopped after --limit 20" in out
    ck = json.loads((path.parent / "data" / f"migrate-elasticsearch-{_prefix(path)}.json").read_text())
    ordered = sorted(p.id for p in posts)
    assert ck["copied"] == 20 and ck["last_id"] == ordered[19]

    rc, out, err = _run(capsys, path, "store", "migrate", "--to", "elasticsearch", "--batch", "10")
    assert rc == 0, err
    assert f"resuming after post {ordered[19]} (20 done)" in out
    assert "25/25 posts (100%)" in out
    assert "this run: 5 posts copied, 0 already in Elasticsearch; Elasticsearch now holds 25 posts, SQL 25" in out
    assert "set 'storage.posts: elasticsearch'" in out

    es = _elastic(path)
    sql_dep = _open(path)
    for a, b in zip(sorted(sql_dep.posts.get_many(ordered), key=lambda p: p.id), es.get_many(ordered)):
        for name in PostRecord.field_names():
            assert getattr(a, name) == getattr(b, name), name
    assert es.count(PostQuery(topics=["征地拆迁"])) == 1

    # SQL is still the office's store: a reclassification there reaches Elasticsearch on a full re-run
    sql_dep.posts.update({posts[1].id: {"relevant": False, "classified_at": T0 + timedelta(hours=1)}})
    sql_dep.posts.add([make_post(100), make_post(101)])
    sql_dep.close()
    rc, out, err = _run(capsys, path, "store", "migrate", "--to", "elasticsearch", "--restart")
    assert rc == 0, err
    assert "this run: 2 posts copied, 25 already in Elasticsearch; Elasticsearch now holds 27 posts, SQL 27" in out
    assert es.get(posts[1].id).relevant is False

    # after the switch, the deployment reads and writes posts in Elasticsearch
    path = office("elasticsearch")
    dep = _open(path)
    assert dep.posts.name == "elasticsearch" and dep.posts.count() == 27
    dep.posts.add([make_post(1100)])  # 1100 hours after T0: January 2027
    dep.close()
    rc, out, err = _run(capsys, path, "store", "status")
    assert rc == 0, err
    assert "posts are stored in: elasticsearch" in out
    assert f"alias {_prefix(path)}: 28 posts in 2 indices (rollover: month)" in out
    assert f"  {_prefix(path)}-2026.11: 27\n  {_prefix(path)}-2027.01: 1\n" in out
    assert "migration to Elasticsearch: 27 posts copied" in out
    rc, out, err = _run(capsys, path, "store", "migrate", "--to", "elasticsearch")
    assert rc == 0, err
    assert "this run: 0 posts copied" in out and "already stores posts in Elasticsearch" in out
    es.close()


def test_prune_and_flush(office, capsys):
    path = office("elasticsearch")
    dep = _open(path)
    dep.posts.add([make_post(i) for i in range(3)] + [make_post(1100)])  # 1100 hours later: January 2027
    dep.close()
    rc, out, err = _run(capsys, path, "store", "flush")
    assert rc == 0 and "the spool is empty" in out
    rc, out, err = _run(capsys, path, "store", "prune", "--before", "2027-01", "--yes")
    assert rc == 0, err
    assert out.strip() == f"deleted 1 indices: {_prefix(path)}-2026.11"
    assert _elastic(path).count() == 1
    rc, out, err = _run(capsys, path, "store", "prune", "--before", "January", "--yes")
    assert rc == 1 and "should look like 2025-01" in err


def test_migrate_reports_an_unreachable_node(office, capsys, tmp_path):
    path = office()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["storage"]["elasticsearch"].update(hosts=["http://127.0.0.1:9"], max_retries=0, timeout_seconds=2)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    dep = _open(path)
    dep.posts.add([make_post(1)])
    dep.close()
    rc, out, err = _run(capsys, path, "store", "migrate", "--to", "elasticsearch")
    assert rc == 1
    assert "stopped answering; 1 posts wait in the spool" in err and "run the same command again" in err
    # the run made no progress, so nothing is skipped when it is run again
    assert not (tmp_path / "data" / f"migrate-elasticsearch-{_prefix(path)}.json").exists()
    office()  # the real node again, for the cleanup


def _prefix(path) -> str:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["storage"]["elasticsearch"]["index_prefix"]


def _elastic(path):
    from yuqing.config import load
    from yuqing.store.elastic import ElasticPostStore

    return ElasticPostStore.from_config(load(str(path)))
