"""`yuqing demo`: the whole chain on a bundled local site, for a new office's first five minutes.

Starts the demo site (our own sample pages in the sources' real formats) on
127.0.0.1, writes a demo configuration pointing at it, then runs every stage:
crawl → classify → grade → alerts (with their deadlines) → the daily digest,
and says where to look. Running it again adds nothing that is already stored.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Callable

import yaml

DEMO_PASSWORD = "yuqing-demo"

#: demo users, one per role, all with DEMO_PASSWORD
DEMO_USERS = [
    {"username": "jiankong", "name": "张监控", "role": "monitor"},
    {"username": "jiankong2", "name": "陈信息", "role": "monitor"},
    {"username": "wangping", "name": "刘网评", "role": "commentator"},
    {"username": "bangong", "name": "李主任", "role": "office"},
    {"username": "lingdao", "name": "王副县长", "role": "leader"},
    {"username": "fenxi", "name": "赵分析", "role": "analyst"},
    {"username": "admin", "name": "系统管理员", "role": "admin"},
]


#: the fictional county of the demo (and of the benchmarks' evaluation sets)
DEMO_LOCALITY = {
    "name": "云溪县",
    "aliases": ["云溪"],
    "units": ["城关镇", "白沙镇", "东湖街道", "幸福社区", "柳树村"],
    "officials": ["县委书记", "县长", "副县长"],
    "terms": ["云溪大道", "云溪一中"],
    "lookalikes": ["云溪区"],
}


def demo_config(workdir: Path, base_url: str) -> dict:
    from yuqing.demo.server import demo_sources

    return {
        "locality": DEMO_LOCALITY,
        "keywords": {"include": ["拆迁", "欠薪", "污染", "事故", "投诉"], "exclude": ["招聘", "代理加盟"]},
        "sources": demo_sources(base_url),
        "users": DEMO_USERS,
        "storage": {"data_dir": "data"},
        # a local inbox: every notification is written to data/notifications/inbox.jsonl (no network)
        "notifications": {"base_url": "http://127.0.0.1:8080", "channels": [
            {"name": "demo-inbox", "kind": "file", "path": "notifications/inbox.jsonl", "audience": ["领导小组办公室"],
             "retries": 0}]},
    }


def run_demo(workdir: Path, port: int = 0, fresh: bool = False, echo: Callable[[str], None] = print) -> dict:
    """Run the demo; returns what was produced (paths and counts) for tests."""
    from werkzeug.security import generate_password_hash

    from yuqing.config import from_dict
    from yuqing.demo.server import serve_site
    from yuqing.deployment import Deployment
    from yuqing.models import User

    logging.getLogger("scrapy").setLevel(logging.WARNING)
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    if fresh:
        for leftover in (workdir / "data").glob("yuqing.db*"):
            leftover.unlink()
    server, base_url = serve_site(port=port)
    try:
        echo(f"demo site: {base_url} (sample pages of 云溪县 in the formats of news sites, RSS, 微博, 贴吧 and 留言板)")
        cfg_path = workdir / "yuqing.yaml"
        data = demo_config(workdir, base_url)
        cfg_path.write_text(
            "# yuqing demo configuration (written by `yuqing demo`; the site's port changes each run)\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        cfg = from_dict(data, cfg_path)
        dep = Deployment.open(cfg)
        try:
            with dep.sessions() as s, s.begin():
                for user in s.query(User).filter(User.password_hash.is_(None)):
                    user.password_hash = generate_password_hash(DEMO_PASSWORD)
            return _run_chain(dep, cfg_path, echo)
        finally:
            dep.close()
    finally:
        server.stop()


def _run_chain(dep, cfg_path: Path, echo) -> dict:
    from yuqing.alerts.api import check_deadlines
    from yuqing.alerts.clock import timeliness
    from yuqing.reports.digest import digest_day_for, write_digest
    from yuqing.crawlers.api import crawl
    from yuqing.domain import Level, Step
    from yuqing.models import Alert, Event, utcnow
    from yuqing.pipeline import process_pending

    echo("1/5 crawling the demo sources through Scrapy …")
    before = dep.posts.count()
    crawled = crawl(dep)
    for name, counts in sorted(crawled.items()):
        echo(f"    {name} ({dep.config.source_label(name)}): {_counts_line(counts)}")
    stored = dep.posts.count()
    new_posts = stored - before
    echo(f"    {new_posts} new post(s) this run; {stored} in the store"
         + (" (nothing new: the demo site has not changed since the last run)" if not new_posts and before else ""))

    echo("2/5 classifying (relevance, topic, negativity) …")
    echo("3/5 grading events on the four-level scale …")
    echo("4/5 opening alerts and checking the 12-hour clock …")
    now = utcnow()
    chain = process_pending(dep, now=now)
    for line in chain.lines():
        echo(f"    {line}")
    check_deadlines(dep, now)

    with dep.sessions() as s:
        alerts = (
            s.query(Alert).filter(Alert.status == "open").order_by(Alert.level.desc(), Alert.deadline_at).all()
        )
        events = s.query(Event).filter(Event.status == "open").count()
        echo(f"    {events} open event(s), {len(alerts)} open alert(s):")
        for a in alerts:
            t = timeliness(a, now)
            left = a.deadline_at - now
            if t.state == "found_late":
                state = f"发现滞后（发现时已过时限 {_hours(a.created_at - a.deadline_at)}）"
            elif left > timedelta(0):
                state = f"剩余 {_hours(left)}"
            else:
                state = f"已超时 {_hours(-left)}"
            echo(f"    [{Level(a.level).label}] #{a.id} {a.title[:40]}  当前步骤: {Step(a.current_step).label}  {state}")

    handled = _handle_one(dep, now, echo)

    echo("5/5 writing today's digest (舆情日报) …")
    # the digest dated D covers D-1 17:00 to D 17:00; after 17:00 that is tomorrow's
    digest = write_digest(dep, digest_day_for(dep.config, now))
    echo("")
    echo("Where to look:")
    echo(f"  database:     {dep.config.database_url}")
    echo(f"  digest:       {digest.html}")
    echo(f"                {digest.docx}")
    exe = _command()
    echo(f"  alert queue:  {exe} --config {cfg_path} serve   then open http://127.0.0.1:{dep.config.web.port}/")
    echo(f"                (users: {', '.join(u['username'] for u in DEMO_USERS)}; password: {DEMO_PASSWORD})")
    echo(f"  on the command line: {exe} --config {cfg_path} alerts list")
    bin_dir = f"{Path(exe).parent}/" if "/" in exe else ""
    echo(f"  notebooks:    YUQING_CONFIG={cfg_path} {bin_dir}jupyter lab notebooks/")
    echo(f"                (JupyterLab once: {bin_dir}pip install -e '.[notebooks]')")
    echo("  to run the README's commands on this deployment in this shell:")
    echo(f"                export YUQING_CONFIG={cfg_path}" + (f"; source {bin_dir}activate" if bin_dir else ""))
    return {"crawled": crawled, "chain": chain, "alerts": [a.id for a in alerts], "digest": digest, "config": cfg_path,
            "handled": handled}


def _handle_one(dep, now, echo) -> int | None:
    """Take one alert through 快报 → 会商 → 通稿 (三审三校) → 正面回复 → 跟踪引导 with the demo's users, through the
    real workflow, so a newcomer sees a handled alert and the 通知记录 filled. Returns its id (None if none fits)."""
    from datetime import timedelta

    from yuqing.alerts import base, review, statements, workflow
    from yuqing.alerts.clock import timeliness
    from yuqing.domain import AlertStatus, Level, Step
    from yuqing.models import Alert

    with base.open_session(dep) as s:
        candidates = [a for a in s.query(Alert).filter(Alert.status == AlertStatus.OPEN,
                                                       Alert.current_step == int(Step.MONITOR)).all()
                      if timeliness(a, now).state == "running" and Level(a.level) <= Level.MAJOR]
        if not candidates:
            return None
        alert_id = min(candidates, key=lambda a: (-a.level, a.deadline_at)).id
    minute = timedelta(minutes=1)
    with base.open_session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        county = [{"kind": "county", "text": "县委宣传部：请属地核实情况、依法处置，及时回应关切"}] \
            if Level(a.level) >= Level.MAJOR else []
        workflow.advance(s, a, Step.REPORT, by="jiankong", now=now + minute,
                         note=f"时间：见首发信息；地点：{dep.config.locality.name}；简要经过：{a.title[:60]}")
        workflow.advance(s, a, Step.CONSULT, by="bangong", note="责成属地和主管部门当日核实、处置，并统一口径回应",
                         attachments=county, now=now + 2 * minute)
        st = statements.draft_statement(s, a, by="jiankong2", now=now + 3 * minute,
                                      text="我县高度重视网民反映的问题，已责成相关部门立即核实处置，结果将及时向社会公布。")
        review.review_statement(s, st, by="jiankong", decision="pass", note="事实无误", now=now + 4 * minute)
        review.review_statement(s, st, by="bangong", decision="pass", note="口径妥当", now=now + 5 * minute)
        review.review_statement(s, st, by="lingdao", decision="pass", note="同意发布", now=now + 6 * minute)
        workflow.advance(s, a, Step.REPLY, by="bangong", note="已在县政府网站和留言板发布情况说明", now=now + 7 * minute)
        workflow.advance(s, a, Step.FOLLOW_UP, by="jiankong", note="持续关注网民反应", now=now + 8 * minute)
    echo(f"    handled alert #{alert_id} through 正面回复 with the demo users (notifications in "
         f"{dep.config.data_dir / 'notifications' / 'inbox.jsonl'})")
    return alert_id


def _command() -> str:
    """How the user can run yuqing: ``yuqing`` when it is on PATH, else its path (e.g. ``.venv/bin/yuqing``)."""
    import os
    import shutil
    import sys

    exe = Path(sys.executable).parent / "yuqing"
    on_path = shutil.which("yuqing")
    if on_path and Path(on_path).resolve() == exe.resolve():
        return "yuqing"
    rel = os.path.relpath(exe)
    return str(exe) if rel.startswith("..") else rel


#: why the crawl dropped posts, in words
DROP_REASONS = {"duplicate_in_run": "repeated within this run", "lookalike_only": "naming only a look-alike place",
                "no_locality": "not naming the locality", "excluded": "matching an exclude word",
                "no_keyword": "matching no keyword", "empty": "empty"}


def _counts_line(counts) -> str:
    """A source's crawl in a sentence: pages, new posts, what was already stored, what was dropped and why."""
    if not isinstance(counts, dict):
        return str(counts)
    parts = [f"{counts.get('pages', 0)} page(s), {counts.get('stored', 0)} new post(s)"]
    if counts.get("existing"):
        parts.append(f"{counts['existing']} already stored")
    why = counts.get("dropped_by_reason") or {}
    if counts.get("dropped"):
        reasons = ", ".join(f"{n} {DROP_REASONS.get(k, k)}" for k, n in sorted(why.items(), key=lambda kv: -kv[1]))
        parts.append(f"{counts['dropped']} dropped ({reasons})" if reasons else f"{counts['dropped']} dropped")
    if counts.get("near_duplicates"):
        parts.append(f"{counts['near_duplicates']} near-duplicate(s) linked")
    if counts.get("state") not in (None, "ok"):
        parts.append(f"state {counts['state']}")
    return "; ".join(parts)


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}小时{minutes % 60:02d}分"
