"""Posts given to ``yuqing grade --input`` as JSON lines, read into ``PostRecord`` values.

One JSON object per line: ``id`` and ``text`` required; optional ``title``,
``source``, ``url``, ``published_at`` (ISO 8601; without an offset it is read in
the deployment's time zone), ``reposts``, ``comments``, ``likes``,
``author_followers``, ``author_verified``, ``media_level`` (central, provincial,
local, self), ``duplicate_of`` (the id of another input post). The whole file is
read and checked before anything is graded, so a bad line costs nothing: the
error names its line number.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from yuqing.config import SOURCE_KINDS
from yuqing.domain import DISPLAY_TZ
from yuqing.errors import YuqingError
from yuqing.store import PostRecord, post_key

MEDIA_LEVELS = ("central", "provincial", "local", "self")
_INT_FIELDS = ("reposts", "comments", "likes", "author_followers")
KNOWN_FIELDS = frozenset(["id", "text", "title", "source", "url", "published_at", "reposts", "comments", "likes",
                          "author_followers", "author_verified", "media_level", "duplicate_of", "author", "topic",
                          "negativity", "event", "kind"])


def parse_time(value, tz: str = DISPLAY_TZ) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    t = datetime.fromisoformat(str(value).strip())  # 3.11 reads a trailing Z
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZoneInfo(tz))
    return t.astimezone(UTC)


def record_from_json(d: dict, line: int = 0, prefix: str = "input:", tz: str = DISPLAY_TZ) -> PostRecord:
    """One input object as a relevant PostRecord; raises YuqingError naming the line."""
    where = f"line {line}" if line else "post"
    if not isinstance(d, dict):
        raise YuqingError(f"{where}: expected a JSON object, got {type(d).__name__}")
    if d.get("id") in (None, ""):
        raise YuqingError(f"{where}: missing 'id'")
    text = d.get("text")
    if not isinstance(text, str) or not (text.strip() or str(d.get("title") or "").strip()):
        raise YuqingError(f"{where}: 'text' must be a non-empty string")
    kwargs = {}
    for name in _INT_FIELDS:
        v = d.get(name)
        if v in (None, ""):
            continue
        try:
            kwargs[name] = max(int(v), 0)
        except (TypeError, ValueError):
            raise YuqingError(f"{where}: '{name}' must be a whole number, got {v!r}") from None
    media = d.get("media_level") or "self"
    if media not in MEDIA_LEVELS:
        raise YuqingError(f"{where}: 'media_level' must be one of {', '.join(MEDIA_LEVELS)}, got {media!r}")
    published = None
    if d.get("published_at") not in (None, ""):
        try:
            published = parse_time(d["published_at"], tz)
        except (TypeError, ValueError, OverflowError):
            raise YuqingError(f"{where}: 'published_at' is not an ISO 8601 time: {d['published_at']!r}") from None
    source = str(d.get("source") or "input")
    kind = d.get("kind") if d.get("kind") in SOURCE_KINDS else (source if source in SOURCE_KINDS else "manual")
    verified = d.get("author_verified")
    negativity = d.get("negativity")
    rec = PostRecord(
        key=post_key(f"{prefix}{d['id']}"),
        source=source[:40],
        kind=kind,
        url=d.get("url") or None,
        title=str(d.get("title") or ""),
        text=text,
        author=d.get("author"),
        published_at=published,
        fetched_at=None,  # not fetched: the post's time is its publication time, or unknown
        author_verified=None if verified is None else bool(verified),
        media_level=media,
        relevant=True,
        relevance=1.0,
        topic=d.get("topic") or None,
        negativity=float(negativity) if isinstance(negativity, (int, float)) else None,
        **kwargs,
    )
    return rec


def read_jsonl(lines, tz: str = DISPLAY_TZ) -> tuple[list[PostRecord], list[str]]:
    """All posts of a JSON-lines input and their input ids, in input order; blank lines are skipped."""
    records: list[PostRecord] = []
    ids: list[str] = []
    by_input_id: dict[str, PostRecord] = {}
    dups: list[tuple[PostRecord, str, int]] = []
    for n, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                raise YuqingError(f"line {n}: not UTF-8 text") from None
        elif n == 1:
            raw = raw.lstrip("\ufeff")
        if not raw.strip():
            continue
        try:
            d = json.loads(raw)
        except json.JSONDecodeError as e:
            raise YuqingError(f"line {n}: malformed JSON ({e.msg} at column {e.colno})") from None
        rec = record_from_json(d, line=n, tz=tz)
        input_id = str(d["id"])
        if input_id in by_input_id:
            raise YuqingError(f"line {n}: duplicate id {input_id!r}")
        by_input_id[input_id] = rec
        if d.get("duplicate_of") not in (None, ""):
            dups.append((rec, str(d["duplicate_of"]), n))
        records.append(rec)
        ids.append(input_id)
    for rec, original, n in dups:
        if original not in by_input_id:
            raise YuqingError(f"line {n}: 'duplicate_of' names {original!r}, which is not in the input")
        rec.duplicate_of = by_input_id[original].id
    return records, ids
