"""Realistic synthetic 舆情 for exercising reports: posts, events, alerts with their steps.

Benchmarks (100,000 posts), the report tests and the notebook tests need a
database that looks like a month of an office's work without crawling it: posts
spread over the day (more in the daytime) from several kinds of source, most
relevant and grouped into events, events graded on the four levels, and alerts
walked through the seven steps — most answered within the 12-hour clock, some
late, some overdue, a few looping back from 跟踪引导 to 会商. Posts are written
through the post store, events through the models, and alerts through the
workflow itself (:func:`~yuqing.alerts.workflow.open_alert`, ``advance``, 通稿 and
三审三校, ``close``, and the reminders and overdue marks ``check_deadlines`` would
send), each action at its own time, by the sample office's people
(:data:`SAMPLE_USERS`, created when missing): the steps, audit trail and
notification outbox are what the procedure would have produced.

Deterministic for a given ``seed``. Not used by the product itself; it refuses a
deployment with notification channels, which the sample alerts' messages would reach.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from yuqing import audit
from yuqing.alerts import review, statements, workflow
from yuqing.alerts.base import SYSTEM, open_session
from yuqing.domain import AlertStatus, Level, Role, Step
from yuqing.models import Alert, Event, User
from yuqing.store import PostRecord, post_key

#: (name, kind, media level, url pattern) of the sources sample posts come from
SAMPLE_SOURCES = [
    ("county-news", "news", "local", "http://news.yunxi.example.cn/a/{n}.html"),
    ("weibo-search", "weibo", "self", "https://weibo.com/{u}/{n}"),
    ("tieba-yunxi", "tieba", "self", "https://tieba.baidu.com/p/{n}"),
    ("board-12345", "board", "local", "http://liuyan.people.com.cn/threads/content?tid={n}"),
    ("weixin-sogou", "sogou_weixin", "self", "https://mp.weixin.qq.com/s/{n}"),
]

#: per topic: issue templates ({u} is a sub-unit of the locality)
TOPIC_ISSUES = {
    "征地拆迁": ["{u}拆迁补偿款迟迟未到位", "{u}村民反映征地补偿标准过低", "{u}一处民房夜间被强拆", "{u}棚改项目安置房延期交付"],
    "生态环境": ["{u}化工厂夜间偷排废水", "{u}垃圾填埋场臭味扰民", "{u}河道出现大量死鱼", "{u}砂石场粉尘污染严重"],
    "教育医疗": ["云溪一中食堂饭菜质量引家长不满", "{u}卫生院医生态度恶劣", "{u}幼儿园乱收费", "县医院急诊排队数小时"],
    "社会保障": ["{u}低保评定不公开", "{u}养老金发放延迟", "{u}残疾人补贴被冒领", "{u}医保报销手续繁琐"],
    "金融债务": ["{u}一投资公司老板跑路", "{u}村民集资款无法兑付", "{u}网贷催收骚扰居民", "{u}农商行贷款被冒名"],
    "公共安全": ["云溪大道发生多车相撞事故", "{u}自建房墙体开裂", "{u}燃气管道泄漏", "{u}一工地塔吊倒塌"],
    "社会稳定": ["{u}农民工聚集讨薪", "{u}村民拉横幅维权", "{u}业主集体到县政府反映问题", "{u}出租车司机停运"],
    "权力监督": ["{u}村干部被指优亲厚友", "副县长被举报违规插手工程", "{u}站所工作人员吃拿卡要", "{u}公车私用被拍"],
    "脱贫攻坚": ["{u}扶贫产业项目荒废", "{u}易地搬迁户反映房屋漏水", "{u}帮扶资金去向不明", "{u}脱贫户返贫"],
    "退役军人": ["{u}退役军人安置待遇未落实", "{u}优抚金发放不到位", "{u}老兵反映医疗补助问题", "退役军人服务站办事难"],
    "其他": ["{u}停水停电未提前通知", "{u}道路改造工期拖延", "{u}菜市场占道经营", "{u}广场舞噪音扰民"],
}
ANGLES = ["", "，网友质疑", "，当事人发帖求助", "，知情人爆料", "，多名居民证实", "，视频在网上流传", "，评论区争议大",
          "，家属讨要说法", "，有关部门回应", "，当地居民持续关注"]
NOISE = ["云溪区美食节开幕", "招聘：云溪县某公司诚聘销售", "天气预报：明天多云转晴", "某明星演唱会门票开售",
         "代理加盟：奶茶店火热招商", "外地一景区推出优惠活动"]

LEVEL_WEIGHTS = [(Level.MINOR, 55), (Level.GENERAL, 30), (Level.MAJOR, 12), (Level.SPECIAL, 3)]
#: share of posts in each hour of the day (more in the daytime and the evening)
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 7, 8, 8, 8, 7, 8, 9, 9, 7, 4, 2]

#: the sample office's people, one for each part they play in an alert
MONITOR = "sample-xinxi"  # 信息员: 快报, drafts the 通稿, 跟踪引导, closes
FIRST_REVIEWER = "sample-xinxi2"  # 信息员: the 通稿's first review (初审)
OFFICE = "sample-keshi"  # 领导小组办公室 / 科室负责人: 会商, second review (复审), 正面回复
LEADER = "sample-lingdao"  # 分管领导: final review (终审), which records step 5
SAMPLE_USERS = [
    (MONITOR, "样例信息员", Role.MONITOR),
    (FIRST_REVIEWER, "样例信息员（初审）", Role.MONITOR),
    (OFFICE, "样例科室负责人", Role.OFFICE),
    (LEADER, "样例分管领导", Role.LEADER),
]


@dataclass
class SampleSummary:
    posts: int = 0
    relevant: int = 0
    events: list[int] = field(default_factory=list)
    alerts: list[int] = field(default_factory=list)


def _pick_level(rng: random.Random) -> Level:
    r = rng.uniform(0, 100)
    for level, w in LEVEL_WEIGHTS:
        if r < w:
            return level
        r -= w
    return Level.MINOR


def populate(
    deployment,
    start: datetime,
    days: int = 1,
    posts_per_day: int = 200,
    *,
    seed: int = 7,
    now: datetime | None = None,
    posts_per_event: int = 25,
    relevant_share: float = 0.8,
    with_alerts: bool = True,
    batch: int = 2000,
    progress=None,
) -> SampleSummary:
    """Write ``days`` days of sample posts, events and alerts starting at ``start`` (aware).

    Nothing is dated after ``now`` (default: the end of the last day): alerts still
    open at ``now`` are left open, overdue ones with their deadline passed.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    cfg = deployment.config
    if with_alerts and cfg.notifications.channels:
        raise ValueError("sample alerts go through the workflow, whose notifications would reach the configured "
                         "channels: populate a deployment without notifications.channels")
    rng = random.Random(seed)
    units = list(cfg.locality.units) or [cfg.locality.name]
    topics = [t for t in cfg.classify.topics if t in TOPIC_ISSUES] or list(TOPIC_ISSUES)
    now = now or start + timedelta(days=days)
    summary = SampleSummary()
    if with_alerts:
        _add_users(deployment)
    buffer: list[PostRecord] = []
    n = 0
    day_start = start
    for day in range(days):
        n_events = int(max(1, posts_per_day * relevant_share // posts_per_event))
        # 1. the day's events (committed first: posts are written by the store on its own connection)
        day_events: list[dict] = []
        with deployment.sessions() as s, s.begin():
            rows = []
            for _ in range(n_events):
                topic = rng.choice(topics)
                title = rng.choice(TOPIC_ISSUES[topic]).format(u=rng.choice(units))
                first = day_start + timedelta(hours=_hour(rng), minutes=rng.randint(0, 59))
                if first > now:
                    continue
                level = _pick_level(rng)
                ev = Event(
                    title=title,
                    summary=f"{title}，相关信息持续出现。",
                    topic=topic,
                    level=int(level),
                    level_reasons=[f"样例：{level.label}"],
                    negativity=round(rng.uniform(0.4, 0.95), 2),
                    first_seen_at=min(first + timedelta(minutes=rng.randint(5, 90)), now),  # found by now
                    first_published_at=first,
                    last_post_at=first,
                    post_count=0,
                    engagement=0,
                    sources=[],
                    media_levels=[],
                    status="open",
                    created_at=first,
                    updated_at=first,
                )
                s.add(ev)
                rows.append(ev)
            s.flush()
            day_events = [
                {"id": ev.id, "title": ev.title, "topic": ev.topic, "level": ev.level, "negativity": ev.negativity,
                 "first": ev.first_published_at, "last": ev.first_published_at, "count": 0, "engagement": 0,
                 "sources": []}
                for ev in rows
            ]
        # 2. the day's posts, through the post store
        for _ in range(posts_per_day):
            t = day_start + timedelta(hours=_hour(rng), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
            if t > now:
                continue
            name, kind, media, pattern = rng.choice(SAMPLE_SOURCES)
            relevant = rng.random() < relevant_share
            n += 1
            url = pattern.format(n=f"{seed}{n:07d}", u=rng.randint(1000000, 9999999))
            if relevant and day_events:
                ev = rng.choice(day_events)
                if t < ev["first"]:
                    t = ev["first"] + timedelta(minutes=rng.randint(0, 300))
                    if t > now:
                        t = ev["first"]
                title = ev["title"] + rng.choice(ANGLES)
                p = PostRecord(
                    key=post_key(f"sample:{seed}:{n}"),
                    source=name,
                    kind=kind,
                    url=url,
                    title=title,
                    text=f"{title}。{cfg.locality.name}{rng.choice(units)}的网友发帖称，此事已持续多日，希望有关部门尽快处理。",
                    published_at=t,
                    fetched_at=t + timedelta(minutes=rng.randint(1, 40)),
                    reposts=int(rng.paretovariate(1.6)) - 1,
                    comments=int(rng.paretovariate(1.4)) - 1,
                    likes=int(rng.paretovariate(1.2)) - 1,
                    media_level=media,
                    matched_keywords=[cfg.locality.name],
                    relevant=True,
                    relevance=round(rng.uniform(0.6, 0.99), 3),
                    topic=ev["topic"],
                    negativity=ev["negativity"],
                    classified_at=t + timedelta(minutes=45),
                    event_id=ev["id"],
                    level=ev["level"],
                    graded_at=t + timedelta(minutes=50),
                )
                ev["count"] += 1
                ev["engagement"] += p.interactions
                ev["last"] = max(ev["last"], t)
                if name not in ev["sources"]:
                    ev["sources"].append(name)
                summary.relevant += 1
            else:
                title = rng.choice(NOISE)
                p = PostRecord(
                    key=post_key(f"sample:{seed}:{n}"),
                    source=name,
                    kind=kind,
                    url=url,
                    title=title,
                    text=title,
                    published_at=t,
                    fetched_at=t + timedelta(minutes=rng.randint(1, 40)),
                    media_level=media,
                    relevant=False,
                    relevance=round(rng.uniform(0.01, 0.4), 3),
                    classified_at=t + timedelta(minutes=45),
                )
            buffer.append(p)
            if len(buffer) >= batch:
                summary.posts += len(deployment.posts.add(buffer).added)
                buffer = []
        if buffer:
            summary.posts += len(deployment.posts.add(buffer).added)
            buffer = []
        # 3. the events' counts, and their alerts walked through the steps
        with open_session(deployment) as s, s.begin():
            names = [username for username, _, _ in SAMPLE_USERS]
            people = {u.username: u for u in s.scalars(select(User).where(User.username.in_(names)))}
            for info in day_events:
                ev = s.get(Event, info["id"])
                ev.post_count, ev.engagement = info["count"], info["engagement"]
                ev.last_post_at, ev.sources = info["last"], list(info["sources"])
                summary.events.append(ev.id)
                if with_alerts:
                    alert = _walk_alert(s, ev, rng, now, people, cfg)
                    summary.alerts.append(alert.id)
        if progress:
            progress(day + 1, days)
        day_start += timedelta(days=1)
    if buffer:
        summary.posts += len(deployment.posts.add(buffer).added)
    return summary


def _hour(rng: random.Random) -> int:
    return rng.choices(range(24), weights=HOUR_WEIGHTS)[0]


def _add_users(deployment) -> None:
    """Create the sample office's people who are not in the database yet (as configured users are)."""
    with deployment.sessions() as s, s.begin():
        have = set(s.scalars(select(User.username)))
        for username, name, role in SAMPLE_USERS:
            if username not in have:
                row = User(username=username, name=name, role=role.value)
                s.add(row)
                s.flush()
                audit.record(s, SYSTEM, "user.create", row, role=role.value)


def _walk_alert(s, ev: Event, rng: random.Random, now: datetime, people: dict[str, User], cfg) -> Alert:
    """Open the alert of ``ev`` and take it through the steps with realistic timings, through the workflow, by
    the sample office's ``people``; nothing is done after ``now``, so an alert may stop at any step."""
    monitor, first, office, leader = (people[u] for u in (MONITOR, FIRST_REVIEWER, OFFICE, LEADER))
    found = ev.first_seen_at
    alert = workflow.open_alert(s, ev, now=found)
    deadline = alert.deadline_at
    run_clock = _clock(s, alert, cfg)
    county = [{"kind": "county", "text": "县委宣传部：请属地核实、依法处置，及时回应关切"}] \
        if Level(alert.level) >= Level.MAJOR else []

    def due(at: datetime) -> bool:
        """Whether ``at`` has come by ``now``; if so, the clock's reminders and overdue mark up to it go first."""
        if at > now:
            return False
        run_clock(at)
        return True

    def statement(begin: datetime, end: datetime, text: str) -> bool:
        """A 通稿 drafted after ``begin`` and passed by 三审三校, the final review at ``end`` (recording step 5)."""
        gap = (end - begin) / 4
        if not due(begin + gap):
            return False
        st = statements.draft_statement(s, alert, by=monitor, text=text, now=begin + gap)
        for reviewer, at in ((first, begin + 2 * gap), (office, begin + 3 * gap), (leader, end)):
            if not due(at):
                return False
            st = review.review_statement(s, st, by=reviewer, decision="pass", now=at)
        return alert.current_step == Step.STATEMENT

    outcome = rng.random()
    # when the facts go up (快报): usually within the hour; sometimes very late or never
    report_at = found + timedelta(minutes=rng.randint(10, 120))
    if outcome > 0.94:
        report_at = deadline + timedelta(hours=rng.uniform(1, 6))  # reported after the deadline (漏报)
    if due(report_at):
        workflow.advance(s, alert, Step.REPORT, by=monitor, note=f"已向领导小组快报：{ev.title}", now=report_at)
        consult = report_at + timedelta(minutes=rng.randint(20, 120))
        if due(consult):
            workflow.advance(s, alert, Step.CONSULT, by=office, note="会商确定处置措施", attachments=county, now=consult)
            approved = consult + timedelta(minutes=rng.randint(30, 240))
            if statement(consult, approved, f"关于“{ev.title}”的情况说明：有关部门已介入核实处置。"):
                if outcome < 0.72:
                    reply = min(approved + timedelta(minutes=rng.randint(20, 240)), deadline - timedelta(minutes=5))
                    reply = max(reply, approved)
                elif outcome < 0.86:
                    reply = deadline + timedelta(hours=rng.uniform(0.5, 8))  # late (迟报)
                else:
                    reply = None  # still waiting: overdue once the deadline passes
                if reply is not None and due(reply):
                    workflow.advance(s, alert, Step.REPLY, by=office, note="已通过官方渠道正面回复", now=reply)
                    follow = reply + timedelta(hours=rng.uniform(1, 12))
                    if due(follow):
                        workflow.advance(s, alert, Step.FOLLOW_UP, by=monitor, note="跟踪引导", now=follow)
                        settled = follow  # when the last round of the procedure was done
                        if rng.random() < 0.12:  # a follow-up post the monitor cannot answer: back to 会商
                            again = follow + timedelta(hours=rng.uniform(1, 6))
                            minute = timedelta(minutes=1)
                            if due(again):
                                workflow.advance(s, alert, Step.CONSULT, by=monitor, note="跟帖质疑，报请再次会商",
                                                 now=again)
                                if due(again + 20 * minute):
                                    workflow.advance(s, alert, Step.CONSULT, by=office, note="再次会商，补充回应",
                                                     attachments=county, now=again + 20 * minute)
                                    if statement(again + 20 * minute, again + 80 * minute, "补充说明：处置进展已公开。") \
                                            and due(again + 100 * minute):
                                        workflow.advance(s, alert, Step.REPLY, by=office, note="再次回应",
                                                         now=again + 100 * minute)
                                        if due(again + 120 * minute):
                                            workflow.advance(s, alert, Step.FOLLOW_UP, by=monitor,
                                                             note="再次回应后跟踪", now=again + 120 * minute)
                            settled = again + 120 * minute
                        closed = max(follow + timedelta(hours=rng.uniform(6, 72)), settled + timedelta(hours=1))
                        if due(closed):
                            workflow.close(s, alert, by=monitor, note="舆情已平息", now=closed)
    run_clock(now)
    return alert


def _clock(s, alert: Alert, cfg):
    """``run(t)`` does what ``check_deadlines`` would have done to ``alert`` by ``t`` while it waits for its reply:
    each reminder mark once (marks crossed together, in one reminder), then the overdue mark at the deadline."""
    marks = sorted({float(h) for h in cfg.alerts.reminders_hours_left if h > 0}, reverse=True)

    def run(t: datetime) -> None:
        while alert.status == AlertStatus.OPEN and alert.replied_at is None and alert.overdue_at is None:
            sent = {float(x) for x in alert.reminders_sent or []}
            left = [h for h in marks if h not in sent]
            at = min([max(alert.deadline_at - timedelta(hours=h), alert.created_at) for h in left] + [alert.deadline_at])
            if at > t:
                return
            if at >= alert.deadline_at:
                workflow.mark_overdue(s, alert, now=at)
                return
            crossed = [h for h in left if alert.deadline_at - timedelta(hours=h) <= at]
            workflow.remind(s, alert, min(crossed), crossed, now=at)

    return run


