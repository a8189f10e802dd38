"""Queue page latency: 10,000 open alerts and 1,000,000 posts in SQLite.

The alerts are what the procedure produces. A template of 100 alerts (40 in quick
mode) is walked through the workflow itself, each action at its own time by the
sample office's people (``yuqing.reports.sample.SAMPLE_USERS``): ``open_alert``,
快报 (step 3) and 会商 (step 4, with the county's view for levels I–II) through
``advance``, 通稿 drafted with ``draft_statement`` and passed by 三审三校 with
``review_statement`` (some returned and redrafted, some revised by a reviewer;
the final approval records step 5), and the reply (step 6) through ``advance``.
Every template alert stays open, stopped at step 2 to 6 (some with a 通稿 still
in review), a mix of levels, topics and sources, its clock started within the
last 16 hours. The rows the workflow wrote for them — events, alerts, step
records, 通稿 versions and their reviews, the alerts' audit trail — are then
copied with bulk inserts (core ``insert``, executemany, one transaction) until
there are 10,000: ids shifted, and every time of a copy (JSON details included)
moved by one offset chosen so its clock still starts within the last 16 hours and
nothing is dated after now. So each copy is exactly an alert the workflow would
have produced, only at another time. Not copied: the template's notification
outbox rows (no page reads them). The deadline checker has not run on any of
them: no reminders or overdue marks yet, which the timed ``check_deadlines``
sends (as the first check after the scheduler was stopped would). The 1,000,000
posts (~100 per event) are bulk inserted directly.

It then logs a monitor into the web app and times the pages a monitor loads all
day through the Flask test client: the queue (first page, a deep page, filtered
by level / topic / source / status), the JSON queue, and one alert page (which
reads its event's posts through the post store, its 通稿 versions and audit
trail). Also times one ``check_deadlines`` and one idle ``sync_alerts``.
Quick mode: 1,000 alerts, 20,000 posts.
"""
from __future__ import annotations

import random
import re
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select, text

from common import Timer

LOCALITY = {"name": "云溪县", "aliases": ["云溪"], "units": ["城关镇", "白沙镇", "东湖街道", "幸福社区", "柳树村"]}
TOPICS = ["脱贫攻坚", "生态环境", "金融债务", "征地拆迁", "教育医疗", "社会保障", "公共安全", "社会稳定", "退役军人", "权力监督", "其他"]
SOURCES = ["county-news", "weibo", "tieba", "board", "baidu-news", "sogou-weixin"]
PASSWORD = "bench-password-1"
#: clock starts are spread over this window before now
WINDOW = timedelta(hours=16)


def _minutes(rnd: random.Random, lo: int, hi: int) -> timedelta:
    return timedelta(seconds=rnd.randint(lo * 60, hi * 60))


def _plan(rnd: random.Random, step: int) -> dict:
    """One template alert stopping at ``step``: level, topic, sources, and its actions as offsets from its
    clock start."""
    level = rnd.choices([1, 2, 3, 4], weights=[50, 35, 12, 3])[0]
    at: dict[str, timedelta] = {}
    at["found"] = _minutes(rnd, 5, 60)
    if step >= 3:
        at["report"] = at["found"] + _minutes(rnd, 10, 120)
    if step == 3 and rnd.random() < 0.3:  # a 通稿 drafted before the consultation, in first review
        at["draft"] = at["report"] + _minutes(rnd, 20, 90)
        at["review1"] = at["draft"] + _minutes(rnd, 10, 40)
    if step >= 4:
        at["consult"] = at["report"] + _minutes(rnd, 20, 120)
        t = at["consult"]
        if step >= 5 and rnd.random() < 0.15:  # a first version returned by the first review, then redrafted
            at["draft0"] = t + _minutes(rnd, 10, 40)
            at["return"] = at["draft0"] + _minutes(rnd, 10, 30)
            t = at["return"]
        if step >= 5 or rnd.random() < 0.5:  # at step 4: half have a 通稿 in review
            at["draft"] = t + _minutes(rnd, 10, 60)
            at["review1"] = at["draft"] + _minutes(rnd, 10, 40)
            if step >= 5 or rnd.random() < 0.5:
                at["review2"] = at["review1"] + _minutes(rnd, 10, 60)
        if step >= 5:
            at["review3"] = at["review2"] + _minutes(rnd, 10, 90)  # final approval: step 5
    if step >= 6:
        deadline = timedelta(hours=12)
        if rnd.random() < 0.8:
            at["reply"] = min(at["review3"] + _minutes(rnd, 20, 240), deadline - timedelta(minutes=5))
            at["reply"] = max(at["reply"], at["review3"] + timedelta(minutes=1))
        else:  # replied after the deadline (迟报)
            at["reply"] = max(deadline, at["review3"]) + _minutes(rnd, 30, 180)
    return {"level": level, "step": step, "at": at, "topic": rnd.choice(TOPICS),
            "sources": rnd.sample(SOURCES, rnd.randint(1, 3)), "revise": rnd.random() < 0.1}


def _walk_template(dep, k: int, n_posts_per_event: int, now: datetime, rnd: random.Random) -> None:
    """Create ``k`` events and walk their alerts through the workflow, each action at its own time."""
    from yuqing.alerts import review, statements, workflow
    from yuqing.alerts.base import open_session
    from yuqing.domain import Level, Step
    from yuqing.models import Event, User
    from yuqing.reports.sample import FIRST_REVIEWER, LEADER, MONITOR, OFFICE, SAMPLE_USERS, TOPIC_ISSUES, _add_users

    _add_users(dep)
    with open_session(dep) as s, s.begin():
        names = [username for username, _, _ in SAMPLE_USERS]
        people = {u.username: u for u in s.scalars(select(User).where(User.username.in_(names)))}
        monitor, first, office, leader = (people[u] for u in (MONITOR, FIRST_REVIEWER, OFFICE, LEADER))
        # the steps they stop at: 15% replied (step 6), the others evenly over steps 2-5
        replied = round(0.15 * k)
        steps = [6] * replied + [2 + i % 4 for i in range(k - replied)]
        rnd.shuffle(steps)
        for step in steps:
            plan = _plan(rnd, step)
            at = plan["at"]
            last = max(at.values())
            start = now - WINDOW + timedelta(seconds=rnd.randint(0, int((WINDOW - last).total_seconds())))
            when = {name: start + off for name, off in at.items()}
            title = rnd.choice(TOPIC_ISSUES[plan["topic"]]).format(u=rnd.choice(LOCALITY["units"]))
            level = Level(plan["level"])
            ev = Event(title=title, summary=f"{title}，相关信息持续出现。", topic=plan["topic"], level=int(level),
                       level_reasons=["互动较多"], level_by="model", negativity=round(rnd.uniform(0.5, 0.95), 2),
                       first_seen_at=when["found"], first_published_at=start, last_post_at=start,
                       post_count=n_posts_per_event, engagement=rnd.randint(0, 5000), sources=plan["sources"],
                       media_levels=["self"], status="open", features={}, created_at=when["found"],
                       updated_at=when["found"])
            s.add(ev)
            s.flush()
            alert = workflow.open_alert(s, ev, now=when["found"])
            county = [{"kind": "county", "text": "县委宣传部：请属地核实、依法处置，及时回应关切"}] if level >= Level.MAJOR else []
            if "report" in when:
                workflow.advance(s, alert, Step.REPORT, by=monitor, now=when["report"],
                                 note="时间、地点、涉及人员、简要经过已核实，信息来源见监测记录")
            if "consult" in when:
                workflow.advance(s, alert, Step.CONSULT, by=office, note="会商确定处置措施：属地核实，相关部门介入",
                                 attachments=county, now=when["consult"])
            if "draft0" in when:
                st = statements.draft_statement(s, alert, by=monitor, text="情况说明：有关部门已介入。", now=when["draft0"])
                review.review_statement(s, st, by=first, decision="return", note="请补充核实情况和处置进展",
                                        now=when["return"])
            if "draft" in when:
                st = statements.draft_statement(s, alert, by=monitor, now=when["draft"],
                                                text="情况说明：经核实，有关部门已介入调查处置，处置进展将及时公开。")
                st = review.review_statement(s, st, by=first, decision="pass", now=when["review1"])
                if "review2" in when:
                    revised = "情况说明：经核实，县有关部门已介入调查，依法依规处置，进展将及时向社会公开。" \
                        if plan["revise"] else None
                    st = review.review_statement(s, st, by=office, decision="pass", revised_text=revised,
                                                 now=when["review2"])
                if "review3" in when:
                    review.review_statement(s, st, by=leader, decision="pass", now=when["review3"])
            if "reply" in when:
                workflow.advance(s, alert, Step.REPLY, by=office, note="已通过官方渠道正面回复", now=when["reply"],
                                 attachments=["https://www.yunxi.example.cn/zwgk/reply.html"])
            assert alert.status == "open" and alert.current_step == plan["step"], (alert.id, plan)


_ISO = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def _shifted(value, delta: timedelta, ids: dict[str, int]):
    """A JSON value of a copy: ids in ``ids`` (key → offset) shifted, ISO times moved by ``delta``."""
    if isinstance(value, dict):
        return {k: v + ids[k] if k in ids and isinstance(v, int) and not isinstance(v, bool)
                else _shifted(v, delta, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_shifted(v, delta, ids) for v in value]
    if isinstance(value, str) and _ISO.match(value):
        try:
            return (datetime.fromisoformat(value) + delta).isoformat()
        except ValueError:
            return value
    return value


def _replicate(dep, n_alerts: int, k: int, now: datetime, rnd: random.Random) -> list[dict]:
    """Copy the template's rows until there are ``n_alerts`` alerts; returns every event as a dict, by id."""
    from sqlalchemy import JSON

    from yuqing.alerts.models import Statement, StatementReview
    from yuqing.models import Alert, AuditEntry, Event, StepRecord, UTCDateTime

    tables = [Event.__table__, Alert.__table__, StepRecord.__table__, Statement.__table__, StatementReview.__table__,
              AuditEntry.__table__]
    with dep.engine.connect() as conn:
        rows = {t.name: [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()] for t in tables}
    rows["audit_log"] = [r for r in rows["audit_log"] if r["object_type"] == "alerts"]
    span = {name: max([r["id"] for r in rs], default=0) for name, rs in rows.items()}
    assert span["alerts"] == k and span["events"] == k, span
    times = {t.name: [c.name for c in t.columns if isinstance(c.type, UTCDateTime)] for t in tables}
    jsons = {t.name: [c.name for c in t.columns if isinstance(c.type, JSON)] for t in tables}
    # which template alert each row belongs to
    alert_of_event = {a["event_id"]: a["id"] for a in rows["alerts"]}
    alert_of_statement = {st["id"]: st["alert_id"] for st in rows["statements"]}
    owner = {
        "events": lambda r: alert_of_event[r["id"]],
        "alerts": lambda r: r["id"],
        "step_records": lambda r: r["alert_id"],
        "statements": lambda r: r["alert_id"],
        "statement_reviews": lambda r: alert_of_statement[r["statement_id"]],
        "audit_log": lambda r: int(r["object_id"]),
    }
    by_alert: dict[str, dict[int, list[dict]]] = {}
    for name, rs in rows.items():
        for r in rs:
            by_alert.setdefault(name, {}).setdefault(owner[name](r), []).append(r)
    # how far each template alert may move: its clock start stays in the window, its last action before now
    moves = {}
    for a in rows["alerts"]:
        j = a["id"]
        done = [r[c] for t in tables for r in by_alert[t.name].get(j, []) for c in times[t.name]
                if r[c] is not None and c != "deadline_at"]  # the deadline is the one time still to come
        moves[j] = (now - WINDOW - a["issue_started_at"], now - max(done))
    # foreign keys and ids inside JSON, per table: column → table whose ids it holds
    refs = {"events": {"id": "events", "merged_into_id": "events"},
            "alerts": {"id": "alerts", "event_id": "events"},
            "step_records": {"id": "step_records", "alert_id": "alerts"},
            "statements": {"id": "statements", "alert_id": "alerts", "parent_id": "statements"},
            "statement_reviews": {"id": "statement_reviews", "statement_id": "statements",
                                  "revised_to_id": "statements"},
            "audit_log": {"id": "audit_log"}}
    out: dict[str, list[dict]] = {t.name: [] for t in tables}
    copies = -(-n_alerts // k)
    for c in range(1, copies):
        off = {name: c * span[name] for name in span}
        json_ids = {"statement_id": off["statements"], "event_id": off["events"], "alert_id": off["alerts"]}
        for j in range(1, k + 1):
            if j + c * k > n_alerts:
                break
            lo, hi = moves[j]
            delta = timedelta(seconds=rnd.randint(int(lo.total_seconds()), int(hi.total_seconds())))
            for t in tables:
                name = t.name
                for r in by_alert[name].get(j, []):
                    new = dict(r)
                    for col, target in refs[name].items():
                        if new[col] is not None:
                            new[col] += off[target]
                    for col in times[name]:
                        if new[col] is not None:
                            new[col] += delta
                    for col in jsons[name]:
                        new[col] = _shifted(new[col], delta, json_ids)
                    if name == "audit_log":
                        new["object_id"] = str(int(new["object_id"]) + off["alerts"])
                    out[name].append(new)
    with dep.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        for t in tables:
            if out[t.name]:
                conn.execute(insert(t), out[t.name])
    return sorted(rows["events"] + out["events"], key=lambda e: e["id"])


def _build(dep, n_alerts: int, n_posts: int, now: datetime, seed: int = 7, template: int = 100) -> None:
    from yuqing.models import Post, User
    from werkzeug.security import generate_password_hash

    rnd = random.Random(seed)
    k = min(template, n_alerts)
    _walk_template(dep, k, max(1, n_posts // n_alerts), now, rnd)
    events = _replicate(dep, n_alerts, k, now, rnd)
    with dep.engine.begin() as conn:
        conn.execute(insert(User), [{"username": "jiankong", "name": "张监控", "role": "monitor", "active": True,
                                     "password_hash": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
                                     "created_at": now}])
    # posts: ~n_posts / n_alerts per event, in chunks
    chunk = 20000
    pid = 0
    with dep.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        while pid < n_posts:
            rows = []
            for _ in range(min(chunk, n_posts - pid)):
                pid += 1
                ev = events[pid % n_alerts]
                t = ev["first_published_at"] + timedelta(minutes=pid % 600)
                rows.append({"id": pid, "key": f"{pid:040x}", "source": ev["sources"][0], "kind": "news",
                             "url": f"http://127.0.0.1:9/p/{pid}.html", "title": f"帖子{pid} 关于{ev['title']}",
                             "text": "云溪县白沙镇网民反映情况，请有关部门关注。" * 3, "published_at": t, "fetched_at": t,
                             "reposts": pid % 97, "comments": pid % 31, "likes": pid % 53, "media_level": "self",
                             "matched_keywords": ["云溪县"], "relevant": True, "relevance": 0.9, "topic": ev["topic"],
                             "negativity": 0.7, "event_id": ev["id"], "level": ev["level"], "graded_at": t,
                             "classified_at": t})
            conn.execute(insert(Post), rows)
        conn.exec_driver_sql("ANALYZE")


def _times(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def open_deployment(folder: Path):
    """An empty SQLite deployment in ``folder`` with the benchmark's sources and no notification channels."""
    from yuqing.alerts.models import ensure_schema
    from yuqing.config import from_dict
    from yuqing.deployment import Deployment
    from yuqing.models import Base

    cfg = from_dict({"locality": LOCALITY, "storage": {"data_dir": str(Path(folder) / "data")},
                     "sources": [{"name": s, "kind": "news"} for s in SOURCES]}, Path(folder) / "yuqing.yaml")
    dep = Deployment.open(cfg)
    Base.metadata.create_all(dep.engine)
    ensure_schema(dep.engine)
    return dep


def run(quick: bool = False) -> dict:
    from yuqing.alerts import api
    from yuqing.web import create_app

    n_alerts, n_posts, reps, template = (1000, 20000, 15, 40) if quick else (10000, 1000000, 40, 100)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-queue-") as tmp:
        dep = open_deployment(Path(tmp))
        with Timer() as build:
            _build(dep, n_alerts, n_posts, now, template=template)
        print(f"   built {n_alerts} alerts, {n_posts} posts in {build.seconds:.1f} s", flush=True)
        app = create_app(dep, testing=True)
        app.config["WTF_CSRF_ENABLED"] = False
        c = app.test_client()
        assert c.post("/login", data={"username": "jiankong", "password": PASSWORD}).status_code == 303

        def get(url):
            def f():
                r = c.get(url)
                assert r.status_code == 200, (url, r.status_code)
            return f

        pages = {
            "queue": "/",
            "queue_page_100": f"/?page={max(1, n_alerts // 50 // 2)}",
            "queue_level_II": "/?level=3",
            "queue_topic": "/?topic=征地拆迁",
            "queue_source": "/?source=weibo",
            "queue_overdue": "/?status=overdue",
            "queue_json": "/api/alerts",
            "alert_page": f"/alerts/{n_alerts // 2}",
        }
        figures: dict = {"alerts": n_alerts, "posts": n_posts, "build_s": round(build.seconds, 1)}
        for name, url in pages.items():
            get(url)()  # warm
            t = _times(get(url), reps)
            figures[f"{name}_p50_ms"] = round(statistics.median(t), 1)
            figures[f"{name}_p95_ms"] = round(_p(t, 0.95), 1)
        with dep.sessions() as s:
            plan = s.execute(text(
                "EXPLAIN QUERY PLAN SELECT alerts.id FROM alerts WHERE alerts.status = 'open' AND alerts.level = 3 "
                "AND alerts.replied_at IS NULL ORDER BY alerts.deadline_at, alerts.id LIMIT 50")).all()
        figures["queue_index_used"] = any("ix_alerts_queue" in str(row) for row in plan) and not any(
            "TEMP B-TREE" in str(row) for row in plan)
        with Timer() as t:
            rep = api.check_deadlines(dep, now)
        figures["check_deadlines_ms"] = round(t.seconds * 1000, 1)
        figures["check_deadlines_overdue"] = len(rep.overdue)
        with Timer() as t:
            api.sync_alerts(dep, now)
        figures["sync_alerts_idle_ms"] = round(t.seconds * 1000, 1)
        dep.close()
    return figures


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    for k, v in run(quick="--quick" in sys.argv).items():
        print(f"{k}: {v}")
