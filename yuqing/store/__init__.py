"""Post storage behind one small interface.

Callers (crawler pipelines, classify, grading, alerts, reports, the web app)
only use :class:`PostStore`; the deployment's ``storage.posts`` setting picks
the implementation (:mod:`yuqing.store.sql` by default, Elasticsearch for
large offices). Posts travel as :class:`PostRecord` values, never ORM objects.

A post's identity is its ``key``: the SHA-1 of what makes it the same post
wherever it was found (canonical URL, or a platform's own id). Its ``id`` is
derived from the key, so every store gives a post the same id and writing the
same post twice stores it once.
"""
from __future__ import annotations

import abc
import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Literal

#: fields classify/ and grading/ may change after a post is stored
MUTABLE_FIELDS = frozenset(
    {
        "relevant",
        "relevance",
        "topic",
        "negativity",
        "explanation",
        "classified_at",
        "event_id",
        "level",
        "graded_at",
        "duplicate_of",
        "reposts",
        "comments",
        "likes",
        "author_followers",
        "author_verified",
    }
)


def post_key(identity: str) -> str:
    """The stored key for an identity string such as ``url:https://…`` or ``weibo:4383…``."""
    return hashlib.sha1(identity.encode("utf-8")).hexdigest()


def post_id(key: str) -> int:
    """A stable positive 60-bit integer id from a key, the same in every store."""
    return int(key[:15], 16)


@dataclass
class PostRecord:
    """A post as every stage sees it."""

    key: str
    source: str
    kind: str
    url: str | None = None
    title: str = ""
    text: str = ""
    author: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    author_followers: int | None = None
    author_verified: bool | None = None
    media_level: str = "self"
    matched_keywords: list[str] = field(default_factory=list)
    raw_ref: str | None = None
    simhash: int | None = None
    duplicate_of: int | None = None
    relevant: bool | None = None
    relevance: float | None = None
    topic: str | None = None
    negativity: float | None = None
    explanation: dict[str, Any] | None = None
    classified_at: datetime | None = None
    event_id: int | None = None
    level: int | None = None
    graded_at: datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.id is None:
            self.id = post_id(self.key)
        for name in ("published_at", "fetched_at", "classified_at", "graded_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware (UTC), got {value!r}")

    @property
    def interactions(self) -> int:
        return (self.reposts or 0) + (self.comments or 0) + (self.likes or 0)

    @property
    def when(self) -> datetime | None:
        return self.published_at or self.fetched_at

    @property
    def full_text(self) -> str:
        """Title and text as the classifier reads them."""
        if self.title and not self.text.startswith(self.title):
            return f"{self.title}\n{self.text}"
        return self.text

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))


@dataclass
class PostQuery:
    """What to find. Every filter is optional; lists mean "any of"."""

    text: str | None = None  # keywords, all must match
    phrase: str | None = None  # an exact phrase
    since: datetime | None = None  # by the post's time (published, else fetched)
    until: datetime | None = None
    sources: list[str] | None = None
    kinds: list[str] | None = None
    topics: list[str] | None = None
    levels: list[int] | None = None
    event_id: int | None = None
    relevant: bool | None = None
    sort: Literal["time", "relevance", "oldest"] = "time"
    limit: int = 50
    offset: int = 0


@dataclass
class AddResult:
    added: list[int] = field(default_factory=list)  # ids of posts stored now
    existing: list[int] = field(default_factory=list)  # ids already stored (same key)

    def __iadd__(self, other: "AddResult") -> "AddResult":
        self.added += other.added
        self.existing += other.existing
        return self


class PostStore(abc.ABC):
    """Where posts live. Implementations must give the same answers to the same calls."""

    name: str = "abstract"

    @abc.abstractmethod
    def add(self, posts: Iterable[PostRecord]) -> AddResult:
        """Store new posts; a post whose key is already stored is left as it is."""

    @abc.abstractmethod
    def get(self, post_id: int) -> PostRecord | None: ...

    @abc.abstractmethod
    def get_many(self, post_ids: Iterable[int]) -> list[PostRecord]: ...

    @abc.abstractmethod
    def seen(self, keys: Iterable[str]) -> set[str]:
        """Which of these keys are stored already (for incremental crawling)."""

    @abc.abstractmethod
    def update(self, changes: dict[int, dict[str, Any]]) -> int:
        """Apply ``{post_id: {field: value}}`` for fields in :data:`MUTABLE_FIELDS`; returns posts changed."""

    @abc.abstractmethod
    def pending(self, stage: Literal["classify", "grade"], limit: int = 1000) -> list[PostRecord]:
        """Posts not yet classified, or classified relevant and not yet graded; oldest first."""

    @abc.abstractmethod
    def search(self, query: PostQuery) -> list[PostRecord]: ...

    @abc.abstractmethod
    def count(self, query: PostQuery | None = None) -> int: ...

    @abc.abstractmethod
    def counts_by(self, field_name: Literal["source", "kind", "topic", "level", "media_level"], query: PostQuery | None = None) -> dict[str, int]:
        """Counts per value of one field (None values are counted under "")."""

    @abc.abstractmethod
    def histogram(self, interval: Literal["hour", "day"], query: PostQuery | None = None, tz: str = "Asia/Shanghai") -> list[tuple[datetime, int]]:
        """Posts per hour or day (bucket starts, aware, in ``tz``), empty buckets left out."""

    @abc.abstractmethod
    def iter_all(self, batch_size: int = 1000, after_id: int | None = None) -> Iterator[list[PostRecord]]:
        """Every post in id order, in batches (for migration and retraining)."""

    def _check_update(self, changes: dict[int, dict[str, Any]]) -> None:
        for fields in changes.values():
            bad = set(fields) - MUTABLE_FIELDS
            if bad:
                raise ValueError(f"fields {sorted(bad)} cannot be changed after a post is stored")

    def close(self) -> None:  # pragma: no cover - trivial
        pass


def open_post_store(cfg, engine=None) -> PostStore:
    """The store the configuration selects."""
    if cfg.storage.posts == "elasticsearch":
        from yuqing.store.elastic import ElasticPostStore  # noqa: PLC0415

        return ElasticPostStore.from_config(cfg)
    from yuqing.store.sql import SqlPostStore  # noqa: PLC0415

    if engine is None:
        from yuqing.db import connect  # noqa: PLC0415

        engine = connect(cfg.database_url)
    return SqlPostStore(engine)
