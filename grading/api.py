"""What the pipeline, the command line and the other stages call in grading.

* :func:`grade_pending` — group the deployment's relevant, ungraded posts into
  events (new or open ones), grade every event that grew, store the events and
  each post's ``event_id`` and ``level``, and report escalations for ``alerts/``.
* :func:`grade_records` — the same grouping and grading for posts given
  directly (``yuqing grade --input``), with nothing stored.
* :func:`override_level` — a monitor's level for an event (used by ``alerts/``'s re-grade).

A :class:`Grader` holds what grading needs for one configuration (the
severity model, the tokenizer, the background vocabulary of the grouping) and
is reused between runs.
"""
from __future__ import annotations

import gc
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from sqlalchemy import and_, select
from yuqing.grading import events as ev_ops
from yuqing.grading.grouping import (
    FOLLOW_UP_FACTOR,
    EventState,
    Grouper,
    TermReader,
    Vocabulary,
)
from yuqing.grading.severity import (
    Featurizer,
    Grade,
    SeverityModel,
    current_pointer,
    ensure_model,
    grade_many,
)
from yuqing.grading.spread import post_time

from yuqing.domain import Level
from yuqing.models import Event, utcnow
from yuqing.store import PostRecord

log = logging.getLogger(__name__)

BATCH = 2000

_pauses = 0
_pause_lock = threading.Lock()
_resume = False


@contextmanager
def collector_paused():
    """The cyclic garbage collector paused while a batch is grouped and graded, then restored as it was
    (nested and concurrent uses included).

    Grouping keeps every post's terms and every event's state, and grading some 45 objects per event: the
    collector's full passes over that growing heap took 2.3 s of 33 s at 16k posts (and more the larger the
    batch), finding nothing to free. Grading makes no reference cycles to speak of (peak memory at 16k posts
    is the same either way): what it leaves is collected afterwards, as usual.
    """
    global _pauses, _resume
    with _pause_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


@dataclass
class GradeReport:
    graded_posts: int = 0
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    #: (event id, old level, new level) for every event whose level rose
    escalations: list[tuple[int, Level, Level]] = field(default_factory=list)
    #: events whose computed level was lower but kept (open alert, or a monitor's level)
    kept: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"graded {self.graded_posts} post(s): {len(self.created)} new event(s), {len(self.updated)} updated"]
        for event_id, old, new in self.escalations:
            out.append(f"escalation: event {event_id} {old.label} → {new.label}")
        return out


@dataclass
class GradedEvent:
    """An event formed by :func:`grade_records` (in memory; ids count from 1)."""

    id: int
    title: str
    level: Level
    reasons: list[str]
    post_ids: list[int]
    grade: Grade


class Grader:
    """Grouping and grading for one configuration."""

    _cache: ClassVar[dict[tuple, Grader]] = {}
    _lock = threading.Lock()

    def __init__(self, cfg, model: SeverityModel | None = None, featurizer: Featurizer | None = None, deployment=None):
        self.cfg = cfg
        self.featurizer = featurizer or Featurizer(cfg)
        self.model = model or ensure_model(cfg, deployment)
        loc = cfg.locality
        self.reader = TermReader(self.featurizer.tokenizer, tuple(dict.fromkeys([loc.name, *loc.aliases])),
                                 tuple(dict.fromkeys([*loc.units, *loc.terms])))
        self.vocab = background_vocabulary(self.reader)

    @classmethod
    def for_config(cls, cfg, deployment=None) -> Grader:
        """The grader of a configuration, reused until its model changes (a deployment, when given,
        lends its level corrections to a model trained anew)."""
        pointer = current_pointer(cfg.model_dir)
        stamp = pointer.stat().st_mtime_ns if pointer.exists() else 0
        key = (str(cfg.model_dir), cfg.locality.model_dump_json(), cfg.thresholds.model_dump_json(),
               cfg.classify.model_dump_json(), stamp)
        with cls._lock:
            grader = cls._cache.get(key)
            if grader is None:
                grader = cls(cfg, deployment=deployment)
                cls._cache = {k: v for k, v in cls._cache.items() if k[0] != key[0]}
                cls._cache[key] = grader
            return grader

    @classmethod
    def forget(cls) -> None:
        with cls._lock:
            cls._cache.clear()

    def grouper(self) -> Grouper:
        t = self.cfg.thresholds
        return Grouper(self.vocab.copy(), self.reader, similarity=t.event_similarity,
                       window_hours=t.event_window_hours)

    def grade(self, groups: list[list]) -> list[Grade]:
        return grade_many(groups, self.model, self.featurizer)

    def state_from_posts(self, key: int, posts: list) -> EventState:
        """A fresh grouping state for an event made of these posts (after a merge or split)."""
        g = self.grouper()
        state = EventState(key=key)
        for p in sorted(posts, key=post_time):
            state.add(g.vectorize(p), g.vocab)
        state.new_post_ids = []
        return state


_VOCABS: dict[tuple, Vocabulary] = {}


def background_vocabulary(reader: TermReader) -> Vocabulary:
    """Document frequencies of terms in the shipped corpus: what is common in posts about any incident."""
    key = (reader.locality_names, reader.units, getattr(reader.tokenizer, "signature", None))
    v = _VOCABS.get(key)
    if v is None:
        from yuqing.grading.corpus import training_events

        texts = {f"{p.get('title') or ''} {p['text']}" for e in training_events() for p in e["posts"]}
        v = Vocabulary.from_terms(reader.terms(t) for t in sorted(texts))
        _VOCABS[key] = v
    return v


def _classify(cfg, records: list[PostRecord]) -> None:
    """Topic and negativity from classify for posts that lack them; all stay relevant."""
    todo = [r for r in records if r.topic is None or r.negativity is None]
    if todo:
        try:
            from yuqing.classify.api import classify_records
        except ImportError as e:  # pragma: no cover - classify is part of yuqing
            log.warning("classify not available (%s); grading without topic and negativity", e)
            todo = []
    if todo:
        given = {r.id: (r.topic, r.negativity) for r in todo}
        classify_records(cfg, todo)
        for r in todo:
            topic, negativity = given[r.id]
            r.topic = topic or r.topic
            r.negativity = negativity if negativity is not None else r.negativity
    for r in records:
        r.relevant = True


# -- grading posts given directly --------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _when(record) -> datetime | None:
    return record.published_at or record.fetched_at


def grade_records(cfg, records: list[PostRecord], grader: Grader | None = None) -> list[tuple[PostRecord, GradedEvent, Level, list[str]]]:
    """Group and grade posts in memory: ``(post, event, level, reasons)`` per post, in input order."""
    grader = grader or Grader.for_config(cfg)
    _classify(cfg, records)
    with collector_paused():
        return _group_and_grade(cfg, records, grader)


def _group_and_grade(cfg, records: list[PostRecord], grader: Grader) -> list[tuple[PostRecord, GradedEvent, Level, list[str]]]:
    grouper = grader.grouper()
    # oldest first, BATCH posts at a time, as the deployment's pending posts are: what grouping keeps of
    # events no later post can join is let go between parts, so memory follows the posts of a few weeks
    ordered = sorted(records, key=lambda r: (_when(r) is None, _when(r) or _EPOCH))
    horizon = timedelta(hours=cfg.thresholds.event_window_hours * FOLLOW_UP_FACTOR)
    for start in range(0, len(ordered), BATCH):
        part = ordered[start:start + BATCH]
        first = _when(part[0])
        if start and first is not None:
            grouper.retire(first - horizon)
        grouper.add_all(part)
        grouper.consolidate()
    by_id = {r.id: r for r in records}
    position = {r.id: i for i, r in enumerate(records)}
    members = [s.post_ids for s in grouper.events.values() if s.post_ids]
    members.sort(key=lambda ids: min(map(position.__getitem__, ids)))
    del grouper  # what grouping kept of the posts is let go before the events are graded
    groups = [[by_id[pid] for pid in ids] for ids in members]
    grades = grader.grade(groups)
    event_of: dict[int, GradedEvent] = {}
    for n, (ids, g) in enumerate(zip(members, grades), start=1):
        ge = GradedEvent(n, g.view.title, g.level, g.reasons, list(ids), g)
        for pid in ids:
            event_of[pid] = ge
    return [(r, event_of[r.id], event_of[r.id].level, event_of[r.id].reasons) for r in records]


def grade_event_posts(cfg, records: list[PostRecord], grader: Grader | None = None) -> Grade:
    """Grade posts known to form one event (no grouping)."""
    grader = grader or Grader.for_config(cfg)
    _classify(cfg, records)
    return grader.grade([records])[0]


# -- grading the deployment's pending posts ------------------------------------------------

def grade_pending(deployment, now: datetime | None = None, limit: int | None = None) -> GradeReport:
    """Group the relevant ungraded posts into events, grade the events that grew, store it all."""
    now = now or utcnow()
    report = GradeReport()
    grader = Grader.for_config(deployment.config, deployment)
    done = 0
    while True:
        size = BATCH if limit is None else min(BATCH, limit - done)
        if size <= 0:
            break
        pending = deployment.posts.pending("grade", limit=size)
        if not pending:
            break
        with collector_paused():
            _grade_batch(deployment, grader, pending, now, report)
        done += len(pending)
        if len(pending) < size:
            break
    if report.graded_posts:
        log.info("grading: %s", "; ".join(report.lines()))
    return report


def open_event_queries(since: datetime, extra_ids: set[int]) -> list:
    """The open events a batch of posts may join: those with a post since ``since`` (or none yet), and the
    events of the posts' originals. Only what grouping reads (an event row's other JSON columns would be
    decoded for nothing), in index searches: one OR of them would scan every open event of the store."""
    columns = (Event.id, Event.features, Event.first_published_at, Event.first_seen_at, Event.last_post_at)
    open_ = Event.status == "open"
    wheres = [and_(open_, Event.last_post_at >= since), and_(open_, Event.last_post_at.is_(None))]
    if extra_ids:
        wheres.append(and_(open_, Event.id.in_(extra_ids)))
    return [select(*columns).where(where) for where in wheres]


def _open_states(deployment, since: datetime, extra_ids: set[int]) -> dict[int, EventState]:
    states: dict[int, EventState] = {}
    with deployment.sessions() as s:
        for query in open_event_queries(since, extra_ids):
            for e in s.execute(query):
                if e.id not in states:
                    states[e.id] = EventState.from_features(e.id, e.features, e.first_published_at or e.first_seen_at,
                                                            e.last_post_at)
    return states


def _grade_batch(deployment, grader: Grader, pending: list[PostRecord], now: datetime, report: GradeReport) -> None:
    t = deployment.config.thresholds
    pending = sorted(pending, key=post_time)
    since = post_time(pending[0]) - timedelta(hours=t.event_window_hours * FOLLOW_UP_FACTOR)  # follow-ups too
    # duplicates join their original's event, wherever it is
    dup_ids = {p.duplicate_of for p in pending if p.duplicate_of}
    originals = {o.id: o for o in deployment.posts.get_many(dup_ids)} if dup_ids else {}
    extra = {o.event_id for o in originals.values() if o.event_id}
    states = _open_states(deployment, since, extra)
    grouper = grader.grouper()
    grouper.vocab.freeze()  # the open events are weighed with one set of idf, each worked out once
    for state in states.values():
        grouper.load(state)
    for o in originals.values():
        if o.event_id in states:
            grouper.by_post[o.id] = o.event_id
    grouper.add_all(pending)
    grouper.consolidate()
    touched = [s for s in grouper.events.values() if s.new_post_ids]
    by_id = {p.id: p for p in pending}
    groups = []
    for state in touched:
        old_posts = ev_ops.event_posts(deployment, state.key) if state.key > 0 else []
        known = {p.id for p in old_posts}
        groups.append(old_posts + [by_id[i] for i in state.new_post_ids if i not in known])
    grades = grader.grade(groups)
    official = ev_ops.official_sources(deployment.config)
    post_changes: dict[int, dict] = {}
    relevel: dict[int, int] = {}
    with deployment.sessions() as s, s.begin():
        for state, posts, g in zip(touched, groups, grades):
            new = state.key < 0
            if new:
                row = Event(status="open", first_seen_at=now, level=int(Level.MINOR))
                s.add(row)
                s.flush()
            else:
                row = s.get(Event, state.key)
            ev_ops.refresh(row, posts, g.view, state, grader.vocab, official)
            change = ev_ops.apply_grade(s, row, g, now, new_event=new)
            if new:
                report.created.append(row.id)
            else:
                report.updated.append(row.id)
                if change.new > change.old:
                    report.escalations.append((row.id, change.old, change.new))
                if change.new != change.old:
                    relevel[row.id] = row.level
            if change.kept:
                report.kept.append(row.id)
            for pid in state.new_post_ids:
                post_changes[pid] = {"event_id": row.id, "level": row.level, "graded_at": now}
            if not new and change.new != change.old:
                for p in posts:
                    post_changes.setdefault(p.id, {"level": row.level})
    deployment.posts.update(post_changes)
    report.graded_posts += len(pending)


# -- a monitor's level ------------------------------------------------------------------------

def override_level(deployment, event_id: int, level, *, by: str, reason: str, now: datetime | None = None,
                   session=None) -> ev_ops.LevelChange:
    """Set an event's level by hand with a reason (see :func:`yuqing.grading.events.set_level`)."""
    return ev_ops.set_level(deployment, event_id, level, by=by, reason=reason, now=now, session=session)
