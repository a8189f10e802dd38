"""Posts given as JSON lines (``yuqing grade --input``, ``yuqing classify predict --input``), read into ``PostRecord`` values.

One JSON object per line: ``id`` and ``text`` required; optional ``title``,
``source``, ``url``, ``published_at`` (ISO 8601; without an offset it is read in
the deployment's time zone), ``reposts``, ``comments``, ``likes``,
``author_followers``, ``author_verified``, ``media_level`` (central, provincial,
local, self), ``duplicate_of`` (the id of another input post), ``kind`` (a
source kind; else ``source`` is read as one: weibo, message_board → board …).
Those naming text (id, title, source, url, author, kind, topic, duplicate_of)
take a string or a number, never a list or an object; ``negativity``, when
given, is a number from 0 to 1. :func:`read_posts` reads the good lines and lists each bad one by its number
and every field it does not know (``time``, ``user_followers``), so a caller can
say so instead of ignoring them silently.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from yuqing.config import SOURCE_KINDS
from yuqing.domain import DISPLAY_TZ
from yuqing.errors import YuqingError
from yuqing.store import PostRecord, post_key

MEDIA_LEVELS = ("central", "provincial", "local", "self")
_INT_FIELDS = ("reposts", "comments", "likes", "author_followers")
_TEXT_FIELDS = ("id", "title", "source", "url", "author", "kind", "topic", "duplicate_of")
KNOWN_FIELDS = frozenset(["id", "text", "title", "source", "url", "published_at", "reposts", "comments", "likes",
                          "author_followers", "author_verified", "media_level", "duplicate_of", "author", "topic",
                          "negativity", "event", "kind"])


#: what other tools call our source kinds
KIND_ALIASES = {"message_board": "board", "留言板": "board", "12345": "board", "信箱": "board", "bbs": "tieba",
                "forum": "tieba", "论坛": "tieba", "贴吧": "tieba", "微博": "weibo", "wechat": "sogou_weixin",
                "weixin": "sogou_weixin", "微信": "sogou_weixin", "新闻": "news", "群众反映": "manual"}


def source_kind(kind, source: str) -> str:
    """The source kind of an input post: ``kind`` if it names one, else what ``source`` says, else a web page (news)."""
    for value in (kind, source):
        if value in SOURCE_KINDS:
            return value
        if isinstance(value, str) and value.lower() in KIND_ALIASES:
            return KIND_ALIASES[value.lower()]
    return "news"


def parse_time(value, tz: str = DISPLAY_TZ) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    t = datetime.fromisoformat(str(value).strip())  # 3.11 reads a trailing Z
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZoneInfo(tz))
    return t.astimezone(UTC)


def _short(value) -> str:
    """A value as shown in an error line: its repr, cut to 60 characters (an input field may be megabytes)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def record_from_json(d: dict, line: int = 0, prefix: str = "input:", tz: str = DISPLAY_TZ) -> PostRecord:
    """One input object as a relevant PostRecord; raises YuqingError naming the line."""
    where = f"line {line}" if line else "post"
    if not isinstance(d, dict):
        raise YuqingError(f"{where}: expected a JSON object, got {type(d).__name__}")
    if d.get("id") in (None, ""):
        raise YuqingError(f"{where}: missing 'id'")
    for name in _TEXT_FIELDS:  # a number is read as its text; a list, an object or true/false is a mistake
        v = d.get(name)
        if isinstance(v, (dict, list, bool)):
            raise YuqingError(f"{where}: '{name}' must be a string or a number, got {_short(v)}")
    negativity = d.get("negativity")
    if negativity is not None and not (isinstance(negativity, (int, float)) and not isinstance(negativity, bool)
                                       and 0 <= negativity <= 1):
        raise YuqingError(f"{where}: 'negativity' must be a number from 0 to 1, got {_short(negativity)}")
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
        except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity
            raise YuqingError(f"{where}: '{name}' must be a whole number, got {_short(v)}") from None
    media = d.get("media_level")
    media = "self" if media in (None, "") else media  # an empty list or a 0 is a wrong value, not a missing one
    if not isinstance(media, str) or media not in MEDIA_LEVELS:
        raise YuqingError(f"{where}: 'media_level' must be one of {', '.join(MEDIA_LEVELS)}, got {_short(media)}")
    published = None
    if d.get("published_at") not in (None, ""):
        try:
            published = parse_time(d["published_at"], tz)
        except (TypeError, ValueError, OverflowError):
            raise YuqingError(f"{where}: 'published_at' is not an ISO 8601 time: {_short(d['published_at'])}") from None
    source = str(d.get("source") or "input")
    kind = source_kind(d.get("kind"), source)
    verified = d.get("author_verified")
    rec = PostRecord(
        key=post_key(f"{prefix}{d['id']}"),
        source=source[:40],
        kind=kind,
        url=str(d["url"]) if d.get("url") else None,
        title=str(d.get("title") or ""),
        text=text,
        author=None if d.get("author") is None else str(d["author"]),
        published_at=published,
        fetched_at=None,  # not fetched: the post's time is its publication time, or unknown
        author_verified=None if verified is None else bool(verified),
        media_level=media,
        relevant=True,
        relevance=1.0,
        topic=str(d["topic"]) if d.get("topic") else None,
        negativity=None if negativity is None else float(negativity),
        **kwargs,
    )
    return rec


@dataclass
class Intake:
    """What a JSON-lines input gave: the good posts (in input order), the bad lines and the unknown fields."""

    records: list[PostRecord] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each, naming its line number
    unknown: dict[str, int] = field(default_factory=dict)  # field name -> the first line that has it

    def unknown_warning(self) -> str | None:
        """One line naming the fields that were ignored (None when there were none)."""
        if not self.unknown:
            return None
        names = ", ".join(f"'{k}' (line {n})" for k, n in sorted(self.unknown.items(), key=lambda kv: (kv[1], kv[0])))
        return (f"ignored unknown field(s) {names}; known fields: {', '.join(sorted(KNOWN_FIELDS))}"
                f"{_hint(self.unknown)}")


#: common names of known fields in other tools' exports
FIELD_HINTS = {"time": "published_at", "created_at": "published_at", "date": "published_at",
               "user_followers": "author_followers", "followers": "author_followers",
               "user_verified": "author_verified", "verified": "author_verified", "content": "text",
               "body": "text", "reposts_count": "reposts", "comments_count": "comments",
               "attitudes_count": "likes", "link": "url"}


def _hint(unknown) -> str:
    hints = [f"'{k}' → '{FIELD_HINTS[k]}'" for k in unknown if k in FIELD_HINTS]
    return f" (rename {', '.join(hints)})" if hints else ""


def read_posts(lines, tz: str = DISPLAY_TZ, strict: bool = False) -> Intake:
    """Every post of a JSON-lines input, in input order; blank lines are skipped.

    A bad line (not UTF-8, not JSON, a wrong field, a repeated id) is listed in
    ``errors`` and left out, and the rest are read; with ``strict`` the first bad
    line raises :class:`YuqingError` instead.
    """
    out = Intake()
    by_input_id: dict[str, PostRecord] = {}
    dups: list[tuple[PostRecord, str, int]] = []

    def bad(message: str) -> None:
        if strict:
            raise YuqingError(message)
        out.errors.append(message)

    for n, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                bad(f"line {n}: not UTF-8 text")
                continue
        elif n == 1:
            raw = raw.lstrip("\ufeff")
        if not raw.strip():
            continue
        try:
            d = json.loads(raw)
        except json.JSONDecodeError as e:
            bad(f"line {n}: malformed JSON ({e.msg} at column {e.colno})")
            continue
        except ValueError:  # a number of more than 4300 digits
            bad(f"line {n}: malformed JSON (a number too long to read)")
            continue
        except RecursionError:
            bad(f"line {n}: malformed JSON (nested too deeply)")
            continue
        try:
            rec = record_from_json(d, line=n, tz=tz)
        except YuqingError as e:
            bad(str(e))
            continue
        input_id = str(d["id"])
        if input_id in by_input_id:
            bad(f"line {n}: duplicate id {_short(input_id)}")
            continue
        for key in d:
            if key not in KNOWN_FIELDS and key not in out.unknown:
                out.unknown[str(key)] = n
        by_input_id[input_id] = rec
        if d.get("duplicate_of") not in (None, ""):
            dups.append((rec, str(d["duplicate_of"]), n))
        out.records.append(rec)
        out.ids.append(input_id)
    for rec, original, n in dups:
        if original not in by_input_id:
            bad(f"line {n}: 'duplicate_of' names {_short(original)}, which is not in the input")
            continue
        rec.duplicate_of = by_input_id[original].id
    return out


def input_lines(path: str) -> list[bytes]:
    """The lines of an input file ('-': standard input), as bytes; a missing or unreadable file is one clear error."""
    import sys
    from pathlib import Path

    if path == "-":
        return sys.stdin.buffer.read().splitlines()
    p = Path(path)
    if not p.is_file():
        raise YuqingError(f"--input: {path} does not exist" if not p.exists() else f"--input: {path} is not a file")
    try:
        return p.read_bytes().splitlines()
    except OSError as e:
        raise YuqingError(f"--input: cannot read {path}: {e.strerror}") from None


def read_jsonl(lines, tz: str = DISPLAY_TZ) -> tuple[list[PostRecord], list[str]]:
    """All posts of a JSON-lines input and their input ids; the first bad line raises :class:`YuqingError`."""
    got = read_posts(lines, tz, strict=True)
    return got.records, got.ids
