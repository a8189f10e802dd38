"""The SQL post store: posts in the ``posts`` table (SQLite or PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from yuqing.models import Post, utcnow
from yuqing.store import AddResult, PostQuery, PostRecord, PostStore

_FIELDS = PostRecord.field_names()
_CHUNK = 500


def _to_row(p: PostRecord) -> dict[str, Any]:
    row = {name: getattr(p, name) for name in _FIELDS}
    if row["fetched_at"] is None:
        row["fetched_at"] = utcnow()
    row["matched_keywords"] = list(row["matched_keywords"] or [])
    return row


def _to_record(row: Post) -> PostRecord:
    return PostRecord(**{name: getattr(row, name) for name in _FIELDS})


class SqlPostStore(PostStore):
    name = "sql"

    def __init__(self, engine: Engine):
        self.engine = engine

    # -- writing -----------------------------------------------------
    def add(self, posts: Iterable[PostRecord]) -> AddResult:
        result = AddResult()
        batch: dict[str, PostRecord] = {}
        for p in posts:
            batch.setdefault(p.key, p)
            if len(batch) >= _CHUNK:
                result += self._add_chunk(list(batch.values()))
                batch = {}
        if batch:
            result += self._add_chunk(list(batch.values()))
        return result

    def _add_chunk(self, posts: list[PostRecord]) -> AddResult:
        with Session(self.engine) as s, s.begin():
            keys = [p.key for p in posts]
            existing = set(s.scalars(select(Post.key).where(Post.key.in_(keys))))
            new = [p for p in posts if p.key not in existing]
            if new:
                s.execute(insert(Post), [_to_row(p) for p in new])
        return AddResult(added=[p.id for p in new], existing=[p.id for p in posts if p.key in existing])

    def update(self, changes: dict[int, dict[str, Any]]) -> int:
        self._check_update(changes)
        n = 0
        with Session(self.engine) as s, s.begin():
            for pid, fields in changes.items():
                if fields:
                    n += s.execute(update(Post).where(Post.id == pid).values(**fields)).rowcount
        return n

    # -- reading -----------------------------------------------------
    def get(self, post_id: int) -> PostRecord | None:
        with Session(self.engine) as s:
            row = s.get(Post, post_id)
            return _to_record(row) if row else None

    def get_many(self, post_ids: Iterable[int]) -> list[PostRecord]:
        ids = list(post_ids)
        out: dict[int, PostRecord] = {}
        with Session(self.engine) as s:
            for i in range(0, len(ids), _CHUNK):
                for row in s.scalars(select(Post).where(Post.id.in_(ids[i : i + _CHUNK]))):
                    out[row.id] = _to_record(row)
        return [out[i] for i in ids if i in out]

    def seen(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found: set[str] = set()
        with Session(self.engine) as s:
            for i in range(0, len(keys), _CHUNK):
                found.update(s.scalars(select(Post.key).where(Post.key.in_(keys[i : i + _CHUNK]))))
        return found

    def pending(self, stage: Literal["classify", "grade"], limit: int = 1000) -> list[PostRecord]:
        if stage == "classify":
            cond = Post.classified_at.is_(None)
        elif stage == "grade":
            cond = and_(Post.relevant.is_(True), Post.graded_at.is_(None))
        else:
            raise ValueError(f"unknown stage {stage!r}; allowed: classify, grade")
        with Session(self.engine) as s:
            q = select(Post).where(cond).order_by(Post.fetched_at, Post.id).limit(limit)
            return [_to_record(r) for r in s.scalars(q)]

    def _where(self, q: PostQuery | None) -> list:
        if q is None:
            return []
        conds: list = []
        when = func.coalesce(Post.published_at, Post.fetched_at)
        if q.text:
            for word in q.text.split():
                pattern = f"%{_escape_like(word)}%"
                conds.append(or_(Post.title.like(pattern, escape="\\"), Post.text.like(pattern, escape="\\")))
        if q.phrase:
            pattern = f"%{_escape_like(q.phrase)}%"
            conds.append(or_(Post.title.like(pattern, escape="\\"), Post.text.like(pattern, escape="\\")))
        if q.since:
            conds.append(when >= _aware(q.since))
        if q.until:
            conds.append(when < _aware(q.until))
        if q.sources:
            conds.append(Post.source.in_(q.sources))
        if q.kinds:
            conds.append(Post.kind.in_(q.kinds))
        if q.topics:
            conds.append(Post.topic.in_(q.topics))
        if q.levels:
            conds.append(Post.level.in_([int(x) for x in q.levels]))
        if q.event_id is not None:
            conds.append(Post.event_id == q.event_id)
        if q.relevant is not None:
            conds.append(Post.relevant.is_(q.relevant))
        return conds

    def search(self, query: PostQuery) -> list[PostRecord]:
        when = func.coalesce(Post.published_at, Post.fetched_at)
        stmt = select(Post).where(*self._where(query))
        if query.sort == "oldest":
            stmt = stmt.order_by(when.asc(), Post.id)
        elif query.sort == "relevance" and (query.text or query.phrase):
            # no full-text ranking in plain SQL: most interactions first, then newest
            stmt = stmt.order_by((Post.reposts + Post.comments + Post.likes).desc(), when.desc(), Post.id)
        else:
            stmt = stmt.order_by(when.desc(), Post.id.desc())
        stmt = stmt.limit(query.limit).offset(query.offset)
        with Session(self.engine) as s:
            return [_to_record(r) for r in s.scalars(stmt)]

    def count(self, query: PostQuery | None = None) -> int:
        with Session(self.engine) as s:
            return s.scalar(select(func.count()).select_from(Post).where(*self._where(query))) or 0

    def counts_by(self, field_name, query: PostQuery | None = None) -> dict[str, int]:
        if field_name not in ("source", "kind", "topic", "level", "media_level"):
            raise ValueError(f"cannot count by {field_name!r}; allowed: source, kind, topic, level, media_level")
        col = getattr(Post, field_name)
        with Session(self.engine) as s:
            rows = s.execute(select(col, func.count()).where(*self._where(query)).group_by(col)).all()
        return {("" if v is None else str(v)): n for v, n in rows}

    def histogram(self, interval, query: PostQuery | None = None, tz: str = "Asia/Shanghai") -> list[tuple[datetime, int]]:
        if interval not in ("hour", "day"):
            raise ValueError(f"unknown interval {interval!r}; allowed: hour, day")
        zone = ZoneInfo(tz)
        when = func.coalesce(Post.published_at, Post.fetched_at)
        buckets: dict[datetime, int] = {}
        with Session(self.engine) as s:
            # bucket in Python: portable across SQLite and PostgreSQL and exact across DST-free zones
            for (t,) in s.execute(select(when).where(*self._where(query))).yield_per(5000):
                if t is None:
                    continue
                local = t.replace(tzinfo=timezone.utc).astimezone(zone)
                start = local.replace(minute=0, second=0, microsecond=0)
                if interval == "day":
                    start = start.replace(hour=0)
                buckets[start] = buckets.get(start, 0) + 1
        return sorted(buckets.items())

    def iter_all(self, batch_size: int = 1000, after_id: int | None = None) -> Iterator[list[PostRecord]]:
        last = after_id if after_id is not None else -1
        while True:
            with Session(self.engine) as s:
                rows = list(s.scalars(select(Post).where(Post.id > last).order_by(Post.id).limit(batch_size)))
            if not rows:
                return
            yield [_to_record(r) for r in rows]
            last = rows[-1].id


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _aware(t: datetime) -> datetime:
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t!r} in a query; use timezone-aware times")
    return t.astimezone(timezone.utc)


__all__ = ["SqlPostStore"]
