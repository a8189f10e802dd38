"""The queue's order and pages: level first, then on-the-clock before replied, then least time left."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest

from conftest import _pg_database
from test_alerts_support import T0, make_deployment
from yuqing.alerts.api import QueueFilter, queue
from yuqing.models import Alert, Event


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def dep(request, tmp_path_factory):
    if request.param == "postgres":
        urls = _pg_database()
        url = next(urls)
    else:
        urls, url = None, None
    d = make_deployment(tmp_path_factory.mktemp("queue"), url)
    rnd = random.Random(3)
    with d.sessions() as s, s.begin():
        for i in range(60):
            start = T0 - timedelta(minutes=rnd.randint(0, 900))
            ev = Event(title=f"事件{i}", level=rnd.randint(1, 4), first_seen_at=start, first_published_at=start,
                       topic=rnd.choice(["征地拆迁", "其他"]), sources=[rnd.choice(["weibo", "tieba"])], status="open")
            s.add(ev)
            s.flush()
            status = "open" if i % 10 else "closed"
            s.add(Alert(event_id=ev.id, title=ev.title, level=ev.level, status=status, current_step=2,
                        issue_started_at=start, deadline_at=start + timedelta(hours=12),
                        replied_at=start + timedelta(hours=2) if i % 3 == 0 else None,
                        closed_at=T0 if status == "closed" else None))
    yield d
    d.close()
    if urls is not None:
        next(urls, None)  # drops the database


def expected(dep, pred=lambda a, e: True):
    with dep.sessions() as s:
        rows = [(a, e) for a, e in s.query(Alert, Event).join(Event, Alert.event_id == Event.id) if a.status == "open" and pred(a, e)]
    rows.sort(key=lambda r: (-r[0].level, r[0].replied_at is not None, r[0].deadline_at, r[0].id))
    return [a.id for a, _ in rows]


def all_pages(dep, **kw):
    out, page = [], 1
    with dep.sessions() as s:
        while True:
            p = queue(s, QueueFilter(per_page=7, page=page, **kw), now=T0)
            out += [r.alert.id for r in p.rows]
            if page >= p.pages:
                return out, p.total
            page += 1


def test_order_across_pages(dep):
    ids, total = all_pages(dep)
    assert ids == expected(dep) and total == len(ids) == 54


def test_filters(dep):
    ids, _ = all_pages(dep, levels=[3, 4])
    assert ids == expected(dep, lambda a, e: a.level >= 3)
    ids, _ = all_pages(dep, topic="征地拆迁", source="weibo")
    assert ids == expected(dep, lambda a, e: e.topic == "征地拆迁" and e.sources == ["weibo"])
    ids, _ = all_pages(dep, status="replied")
    assert ids == expected(dep, lambda a, e: a.replied_at is not None)
    ids, _ = all_pages(dep, status="overdue")
    assert ids == expected(dep, lambda a, e: a.replied_at is None and a.deadline_at <= T0) and ids


def test_closed_and_past_the_end(dep):
    with dep.sessions() as s:
        closed = queue(s, QueueFilter(status="closed"), now=T0)
        assert closed.total == 6 and all(r.alert.status == "closed" for r in closed.rows)
        assert queue(s, QueueFilter(page=99, per_page=50), now=T0).rows == []
