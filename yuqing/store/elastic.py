"""The Elasticsearch post store: posts in time-based indices behind one read alias.

For offices whose posts outgrow one machine. Same answers as :mod:`yuqing.store.sql`
to the same calls; alerts, users, events and the audit log stay in SQL.

Layout
    Posts go to ``<prefix>-YYYY.MM`` (``rollover: month``; ``<prefix>-YYYY`` for
    ``year``, ``<prefix>-all`` for ``none``) by the month of the post's time
    (published, else fetched) in the deployment's time zone. An index template
    gives every such index the mapping below and puts it in the read alias
    ``<prefix>``, so a month is rolled off by deleting its index
    (``yuqing store prune``). A post's ``_id`` is its key; because ``_id`` is
    unique only per index, :meth:`ElasticPostStore.add` first looks the keys up
    across the alias, then creates with ``op_type=create`` (an existing post is
    left unchanged and reported as existing). The look-up and the create are
    not one atomic step across indices: two processes adding the same new post
    at the same moment with different times (an undated post fetched on either
    side of a month boundary) could store it twice; with the same time the
    create itself refuses the second copy.

Chinese text
    ``title``/``text`` are kept as written but not indexed. Search runs on
    fields we fill ourselves, so the node needs no analysis plugin (only the
    built-in ``whitespace`` analyzer):

    * ``title_tokens``/``text_tokens``: the words of our jieba tokenizer (the
      classifier's own), joined by spaces — what relevance ranking scores;
    * ``chars``: title and text one character per token (lower-cased; each
      white-space character becomes a private-use character standing for it).
      A keyword or phrase must occur in it as a character phrase, which is
      exactly "the text contains this string" — the SQL store's ``LIKE`` — and
      does not depend on how jieba happened to segment a sentence
      (``群众反映`` is one jieba word, yet ``群众`` finds it).

    These three are left out of ``_source`` (they would triple its size); a
    partial update re-indexes a document from ``_source``, so :meth:`update`
    sends them again with every change.

Writes
    Bulk requests in chunks; documents rejected with 429/5xx or lost to a
    connection error are retried with exponential backoff; what still cannot be
    written is appended to a spool file under ``data_dir/elasticsearch-spool``
    and written by the next :meth:`add` (or ``yuqing store flush``), so a node
    that goes away mid-bulk loses no post. Spooled posts count as added
    (accepted); reads and :meth:`seen` know them once they are written.
    A document the node refuses outright (a mapping error) is kept in
    ``<prefix>.rejected.jsonl`` beside the spool and reported as an error.
    Writes are refreshed before :meth:`add`/:meth:`update` return, so the next
    read sees them.

The node may be the minimal distribution (no ``GET /``, no painless, reindex or
ingest): nothing here uses them.
"""
from __future__ import annotations

import enum
import json
import logging
import os
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Literal
from zoneinfo import ZoneInfo

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers

from yuqing.errors import YuqingError
from yuqing.store import AddResult, PostQuery, PostRecord, PostStore

log = logging.getLogger(__name__)

_FIELDS = PostRecord.field_names()
_DATE_FIELDS = ("published_at", "fetched_at", "classified_at", "graded_at")
#: bump when the mapping gains fields; existing indices get the new fields on the next write
MAPPING_VERSION = 1
_MAX_WINDOW = 10_000  # index.max_result_window: deeper pages are walked with search_after
#: white space in ``chars``: each white-space character becomes its own private-use stand-in (U+F0000 + code)
_WS_TABLE = {i: chr(0xF0000 + i) for i in range(0x3001) if chr(i).isspace()}
#: statuses worth retrying: overloaded, or a node/shard briefly unavailable
_TRANSIENT = {429, 500, 502, 503, 504}
_DATE_NANOS_MIN = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DATE_NANOS_MAX = datetime(2262, 1, 1, tzinfo=timezone.utc)

_TEXT_NOT_INDEXED = {"type": "text", "index": False}
_WHITESPACE_TEXT = {"type": "text", "analyzer": "whitespace"}

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "_source": {"excludes": ["title_tokens", "text_tokens", "chars"]},
    "_meta": {"managed_by": "yuqing", "mapping_version": MAPPING_VERSION},
    "properties": {
        "id": {"type": "long"},
        "key": {"type": "keyword"},
        "source": {"type": "keyword"},
        "kind": {"type": "keyword"},
        "url": {"type": "keyword", "ignore_above": 2048},
        "title": _TEXT_NOT_INDEXED,
        "text": _TEXT_NOT_INDEXED,
        "title_tokens": {**_WHITESPACE_TEXT},
        "text_tokens": {**_WHITESPACE_TEXT},
        # one value per field of the post (title, text); the gap keeps a phrase inside one of them
        "chars": {**_WHITESPACE_TEXT, "norms": False, "position_increment_gap": 100},
        "author": {"type": "keyword", "ignore_above": 512},
        "published_at": {"type": "date"},
        "fetched_at": {"type": "date"},
        # the post's time (published, else fetched): exact to the microsecond like SQL
        "when": {"type": "date_nanos"},
        "reposts": {"type": "long"},
        "comments": {"type": "long"},
        "likes": {"type": "long"},
        "interactions": {"type": "long"},
        "author_followers": {"type": "long"},
        "author_verified": {"type": "boolean"},
        "media_level": {"type": "keyword"},
        "matched_keywords": {"type": "keyword"},
        "raw_ref": {"type": "keyword", "index": False, "doc_values": False},
        # an unsigned 64-bit fingerprint: kept, not searched (unsigned_long needs an x-pack module)
        "simhash": {"type": "keyword", "index": False, "doc_values": False},
        "duplicate_of": {"type": "long"},
        "relevant": {"type": "boolean"},
        "relevance": {"type": "double"},
        "topic": {"type": "keyword"},
        "negativity": {"type": "double"},
        "explanation": {"type": "object", "enabled": False},
        "classified_at": {"type": "date"},
        "event_id": {"type": "long"},
        "level": {"type": "integer"},
        "graded_at": {"type": "date"},
    },
}


# -- text for the index ---------------------------------------------------
def chars_of(text: str | None) -> str:
    """``text`` one character per whitespace-separated token (see the module docstring)."""
    if not text:
        return ""
    return " ".join(text.lower().translate(_WS_TABLE))


def _fallback_tokens() -> Callable[[str], list[str]]:
    try:
        import rjieba  # noqa: PLC0415 - same dictionary and algorithm as jieba, in Rust

        return rjieba.cut
    except ImportError:  # pragma: no cover - rjieba is a dependency
        import jieba  # noqa: PLC0415

        return jieba.lcut


def load_tokenizer(cfg) -> Callable[[str], list[str]]:
    """The classifier's tokenizer (``yuqing.classify.tokenizer.Tokenizer``), else plain jieba."""
    try:
        from yuqing.classify.tokenizer import Tokenizer  # noqa: PLC0415
    except ImportError:
        return _fallback_tokens()
    try:
        return Tokenizer(cfg).tokens
    except Exception as e:  # noqa: BLE001 - a broken tokenizer must not stop storage
        log.warning("classify tokenizer unavailable (%s); indexing with plain jieba", e)
        return _fallback_tokens()


# -- values in and out ----------------------------------------------------
def _iso(t: datetime) -> str:
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t!r}: yuqing stores only timezone-aware times")
    return t.astimezone(timezone.utc).isoformat()


def _plain(value: Any) -> Any:
    """A JSON value for ``value`` (datetimes as UTC ISO strings, enums and numpy scalars unwrapped)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    t = datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _record(src: dict[str, Any]) -> PostRecord:
    values = {name: src.get(name) for name in _FIELDS}
    for name in _DATE_FIELDS:
        values[name] = _parse_time(values[name])
    if values["simhash"] is not None:
        values["simhash"] = int(values["simhash"])
    values["matched_keywords"] = list(values["matched_keywords"] or [])
    for name in ("reposts", "comments", "likes"):
        values[name] = values[name] or 0
    return PostRecord(**values)


def _clamp_nanos(t: datetime) -> datetime:
    return min(max(t, _DATE_NANOS_MIN), _DATE_NANOS_MAX)


def redact_host(host: str) -> str:
    return re.sub(r"(://)[^/@]*@", r"\1***@", host)


# -- the client -----------------------------------------------------------
def make_client(settings) -> Elasticsearch:
    """An Elasticsearch client from ``cfg.storage.elasticsearch`` (credentials from the environment)."""
    kwargs: dict[str, Any] = {
        "hosts": list(settings.hosts),
        "request_timeout": settings.timeout_seconds,
        "max_retries": settings.max_retries,
        "retry_on_timeout": True,
    }

    def env(attr: str) -> str | None:
        var = getattr(settings, attr)
        if not var:
            return None
        value = os.environ.get(var)
        if not value:
            raise YuqingError(f"storage.elasticsearch.{attr}: environment variable {var} is not set")
        return value

    api_key = env("api_key_env")
    if api_key:
        kwargs["api_key"] = api_key
    else:
        user = env("username_env")
        if user:
            password = env("password_env")
            if password is None:
                raise YuqingError("storage.elasticsearch: username_env is set but password_env is not")
            kwargs["basic_auth"] = (user, password)
    if any(str(h).lower().startswith("https") for h in settings.hosts):
        if settings.ca_certs:
            if not Path(settings.ca_certs).is_file():
                raise YuqingError(f"storage.elasticsearch.ca_certs: no such file {settings.ca_certs}")
            kwargs["ca_certs"] = settings.ca_certs
        kwargs["verify_certs"] = settings.verify_certs
        if not settings.verify_certs:
            kwargs["ssl_show_warn"] = False
            log.warning("storage.elasticsearch.verify_certs is off: TLS certificates are not checked")
    elif settings.ca_certs:
        log.warning("storage.elasticsearch.ca_certs is set but no host uses https; it is ignored")
    try:
        return Elasticsearch(**kwargs)
    except ValueError as e:
        raise YuqingError(f"storage.elasticsearch: {e}") from e


class ElasticPostStore(PostStore):
    """Posts in Elasticsearch (see the module docstring for the layout)."""

    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        prefix: str = "yuqing-posts",
        *,
        data_dir: Path | str,
        rollover: Literal["month", "year", "none"] = "month",
        tz: str = "Asia/Shanghai",
        tokens: Callable[[str], list[str]] | None = None,
        max_retries: int = 5,
        chunk_size: int = 500,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 10.0,
        hosts_label: str = "",
    ):
        if rollover not in ("month", "year", "none"):
            raise ValueError(f"unknown rollover {rollover!r}; allowed: month, year, none")
        self.client = client
        self.prefix = prefix
        self.alias = prefix
        self.rollover = rollover
        self.zone = ZoneInfo(tz)
        self.tokens = tokens or _fallback_tokens()
        self.max_retries = max_retries
        self.chunk_size = chunk_size
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.hosts_label = hosts_label or "Elasticsearch"
        self.spool_dir = Path(data_dir) / "elasticsearch-spool"
        self._known_indices: set[str] = set()
        self._schema_ready = False

    @classmethod
    def from_config(cls, cfg) -> "ElasticPostStore":
        es = cfg.storage.elasticsearch
        return cls(
            make_client(es),
            es.index_prefix,
            data_dir=cfg.data_dir,
            rollover=es.rollover,
            tz=cfg.timezone,
            tokens=load_tokenizer(cfg),
            max_retries=es.max_retries,
            hosts_label=", ".join(redact_host(h) for h in es.hosts),
        )

    # -- names ---------------------------------------------------------
    def index_for(self, when: datetime) -> str:
        """The index a post with this time is written to."""
        if self.rollover == "none":
            return f"{self.prefix}-all"
        local = when.astimezone(self.zone)
        return f"{self.prefix}-{local:%Y}" if self.rollover == "year" else f"{self.prefix}-{local:%Y.%m}"

    def _owns(self, index: str) -> bool:
        return re.fullmatch(re.escape(self.prefix) + r"-(\d{4}(\.\d{2})?|all)", index) is not None

    def indices(self) -> dict[str, int]:
        """This store's indices with their document counts, oldest first."""
        with self._errors("list indices"):
            rows = self.client.cat.indices(index=f"{self.prefix}-*", format="json", h="index,docs.count",
                                           expand_wildcards="all")
        found = {r["index"]: int(r.get("docs.count") or 0) for r in rows if self._owns(r["index"])}
        return dict(sorted(found.items()))

    # -- schema --------------------------------------------------------
    def _template(self) -> dict[str, Any]:
        return {
            "index_patterns": [f"{self.prefix}-*"],
            # longer prefixes win, so "posts" and "posts-archive" stores can share a cluster
            "priority": 200 + len(self.prefix),
            "template": {
                "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                "mappings": MAPPING,
                "aliases": {self.alias: {}},
            },
            "_meta": {"managed_by": "yuqing", "mapping_version": MAPPING_VERSION},
        }

    def ensure_schema(self) -> None:
        """Install the index template; add new mapping fields to existing indices. Idempotent."""
        with self._errors("install the index template"):
            self._ensure_schema()

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        self.client.indices.put_index_template(name=self.prefix, **self._template())
        existing = [i for i in self.client.indices.get(index=f"{self.prefix}-*", expand_wildcards="all",
                                                        allow_no_indices=True) if self._owns(i)]
        if existing:
            self.client.indices.put_mapping(index=",".join(existing), properties=MAPPING["properties"],
                                            meta=MAPPING["_meta"])
        self._known_indices.update(existing)
        self._schema_ready = True

    def _ensure_index(self, name: str) -> None:
        if name in self._known_indices:
            return
        try:
            self.client.indices.create(index=name)  # the template gives mapping, settings and alias
        except ApiError as e:
            if e.error != "resource_already_exists_exception":
                raise
        self._known_indices.add(name)

    def drop_all(self) -> None:
        """Delete this store's indices, template and spool (tests; irreversible)."""
        with self._errors("drop the indices"):
            names = [i for i in self.client.indices.get(index=f"{self.prefix}-*", expand_wildcards="all",
                                                         allow_no_indices=True) if self._owns(i)]
            if names:
                self.client.indices.delete(index=",".join(names))
            try:
                self.client.indices.delete_index_template(name=self.prefix)
            except NotFoundError:
                pass
        for f in [*self._spool_files(), self.spool_dir / f"{self.prefix}.rejected.jsonl"]:
            f.unlink(missing_ok=True)
        self._known_indices.clear()
        self._schema_ready = False

    def drop_before(self, month: str) -> list[str]:
        """Delete the indices wholly before ``YYYY-MM`` (rolling off old posts); returns their names."""
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            raise YuqingError(f"month {month!r} should look like 2025-01")
        year, mon = (int(x) for x in month.split("-"))
        old = []
        for name in self.indices():
            m = re.search(r"-(\d{4})(?:\.(\d{2}))?$", name)
            if not m:
                continue
            y, mm = int(m.group(1)), int(m.group(2) or 12)
            if (y, mm) < (year, mon):
                old.append(name)
        if old:
            with self._errors("delete old indices"):
                self.client.indices.delete(index=",".join(old))
            self._known_indices.difference_update(old)
        return old

    # -- documents -----------------------------------------------------
    def _doc(self, p: PostRecord) -> dict[str, Any]:
        doc = {name: _plain(getattr(p, name)) for name in _FIELDS}
        if doc["fetched_at"] is None:
            doc["fetched_at"] = _iso(datetime.now(timezone.utc))
        if p.simhash is not None:
            doc["simhash"] = str(p.simhash)
        when = p.published_at or _parse_time(doc["fetched_at"])
        doc["when"] = _iso(_clamp_nanos(when))
        doc["interactions"] = p.interactions
        doc.update(self._search_fields(p.title, p.text))
        return doc

    def _search_fields(self, title: str | None, text: str | None) -> dict[str, Any]:
        """The indexed-only fields (left out of ``_source``, so every write must send them)."""
        return {"title_tokens": self._token_text(title), "text_tokens": self._token_text(text),
                "chars": [chars_of(title), chars_of(text)]}

    def _token_text(self, text: str | None) -> str:
        if not text:
            return ""
        return " ".join(t for t in (w.strip() for w in self.tokens(text)) if t)

    # -- writing -------------------------------------------------------
    def add(self, posts: Iterable[PostRecord]) -> AddResult:
        result = AddResult()
        try:
            self.flush_spool()
        except Exception as e:  # noqa: BLE001 - the spool is retried next time; new posts still go in
            log.error("could not write the spooled posts: %s", e)
        with self._errors("write posts"):
            self._write(posts, result)
        return result

    def _write(self, posts: Iterable[PostRecord], result: AddResult) -> None:
        """Write in chunks; while one chunk is on the wire the next one is tokenized."""
        touched: set[str] = set()
        state = {"down": False}
        in_flight: Future | None = None
        pool: ThreadPoolExecutor | None = None
        try:
            for chunk in self._chunks(posts):
                docs = [self._doc(p) for p in chunk]
                if in_flight is not None:
                    in_flight.result()
                if pool is None and len(chunk) < self.chunk_size:  # one small chunk: no thread needed
                    self._send(docs, result, touched, state)
                    continue
                pool = pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuqing-es-bulk")
                in_flight = pool.submit(self._send, docs, result, touched, state)
            if in_flight is not None:
                in_flight.result()
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
            self._refresh(touched)

    def _chunks(self, posts: Iterable[PostRecord]) -> Iterator[list[PostRecord]]:
        seen_now: set[str] = set()
        chunk: list[PostRecord] = []
        for p in posts:
            if p.key in seen_now:
                continue
            seen_now.add(p.key)
            chunk.append(p)
            if len(chunk) >= self.chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _send(self, docs: list[dict], result: AddResult, touched: set[str], state: dict) -> None:
        if state["down"]:
            self._spool(docs, "the node was unreachable earlier in this call")
            result.added += [d["id"] for d in docs]
            return
        try:
            existing = self._retrying(lambda: self._prepare(docs), "look up keys")
        except _Unreachable as e:
            state["down"] = True
            self._spool(docs, str(e))
            result.added += [d["id"] for d in docs]
            return
        new = [d for d in docs if d["key"] not in existing]
        result.existing += [d["id"] for d in docs if d["key"] in existing]
        if not new:
            return
        actions = {d["key"]: {"_op_type": "create", "_index": self.index_for(_parse_time(d["when"])), "_id": d["key"],
                              "_source": d} for d in new}
        outcome, unresolved, retried = self._bulk(actions)
        rejected = []
        for d in new:
            status, error = outcome.get(d["key"], (None, None))
            if status in (200, 201):
                result.added.append(d["id"])
                touched.add(actions[d["key"]]["_index"])
            elif status == 409:
                # a retry that finds the post written means our earlier attempt wrote it
                (result.added if d["key"] in retried else result.existing).append(d["id"])
            elif d["key"] in unresolved:
                pass
            else:
                rejected.append((d, status, error))
        if unresolved:
            state["down"] = True
            lost = [d for d in new if d["key"] in unresolved]
            self._spool(lost, unresolved[next(iter(unresolved))])
            result.added += [d["id"] for d in lost]
        if rejected:
            self._reject(rejected)

    def _prepare(self, docs: list[dict]) -> set[str]:
        """Install the template and create target indices; returns the keys already stored anywhere."""
        self._ensure_schema()
        existing = self._seen_keys([d["key"] for d in docs])
        for name in {self.index_for(_parse_time(d["when"])) for d in docs if d["key"] not in existing}:
            self._ensure_index(name)
        return existing

    def _bulk(self, actions: dict[str, dict]) -> tuple[dict[str, tuple[Any, Any]], dict[str, str], set[str]]:
        """Run bulk actions keyed by ``_id`` with retries.

        Returns (outcome by id: (status, error)), (ids still unresolved: last error), ids sent more than once.
        """
        outcome: dict[str, tuple[Any, Any]] = {}
        pending = dict(actions)
        retried: set[str] = set()
        last_error = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                retried.update(pending)
                self._sleep(attempt)
            try:
                for ok, item in helpers.streaming_bulk(
                    self.client, list(pending.values()), chunk_size=self.chunk_size, raise_on_error=False,
                    raise_on_exception=False, max_retries=0,
                ):
                    info = next(iter(item.values()))
                    status = info.get("status")
                    error = info.get("error")
                    if not ok and (status in _TRANSIENT or not isinstance(status, int)):
                        last_error = _short_error(error)
                        continue
                    outcome[info["_id"]] = (status, error)
                    pending.pop(info["_id"], None)
            except (TransportConnectionError, ConnectionTimeout, TransportError) as e:
                last_error = f"{type(e).__name__}: {e}"
                log.warning("bulk write to %s failed (attempt %d of %d): %s", self.hosts_label, attempt + 1,
                            self.max_retries + 1, last_error)
            if not pending:
                break
        return outcome, {k: last_error for k in pending}, retried

    def _retrying(self, fn: Callable[[], Any], what: str) -> Any:
        last: Exception | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                self._sleep(attempt)
            try:
                return fn()
            except (TransportConnectionError, ConnectionTimeout) as e:
                last = e
            except ApiError as e:
                if e.status_code not in _TRANSIENT:
                    raise
                last = e
            log.warning("%s on %s failed (attempt %d of %d): %s", what, self.hosts_label, attempt + 1,
                        self.max_retries + 1, last)
        raise _Unreachable(f"{what}: {type(last).__name__}: {last}")

    def _sleep(self, attempt: int) -> None:
        time.sleep(min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1)))

    def _refresh(self, indices: set[str]) -> None:
        if not indices:
            return
        try:
            self.client.indices.refresh(index=",".join(sorted(indices)))
        except (TransportError, ApiError) as e:
            log.warning("refresh of %s failed: %s", ", ".join(sorted(indices)), e)

    # -- the spool: posts written when the node comes back ---------------
    def _spool_path(self) -> Path:
        return self.spool_dir / f"{self.prefix}.jsonl"

    def _spool_files(self) -> list[Path]:
        if not self.spool_dir.is_dir():
            return []
        return sorted(self.spool_dir.glob(f"{self.prefix}.jsonl*"))

    def spooled(self) -> int:
        """How many posts wait in the spool for the node."""
        n = 0
        for f in self._spool_files():
            with f.open("rb") as fh:
                n += sum(1 for line in fh if line.strip())
        return n

    def _spool(self, docs: list[dict], reason: str) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        path = self._spool_path()
        with path.open("a", encoding="utf-8") as fh:
            for d in docs:
                src = {k: v for k, v in d.items() if k in _FIELDS}
                fh.write(json.dumps(src, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        log.warning("Elasticsearch at %s unavailable (%s): %d posts kept in %s; they are written on the next add",
                    self.hosts_label, reason, len(docs), path)

    def flush_spool(self) -> int:
        """Write the spooled posts (claimed file by file, so two processes never write one twice).

        Returns how many were taken from the spool; those the node still does not
        take go back into it."""
        files = self._spool_files()
        if not files:
            return 0
        n = 0
        for f in files:
            claimed = f if ".flushing-" in f.name else f.with_name(f"{f.name}.flushing-{os.getpid()}-{time.time_ns()}")
            if claimed is not f:
                try:
                    f.rename(claimed)
                except FileNotFoundError:  # another process claimed it
                    continue
            elif not _stale(claimed):
                continue  # being flushed by a live process
            records = []
            with claimed.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        records.append(_record(json.loads(line)))
            log.info("writing %d spooled posts from %s", len(records), claimed.name)
            try:
                self._write(records, AddResult())
            except YuqingError as e:  # refused posts are kept in the rejected file; the rest are written
                log.error("%s", e)
            claimed.unlink(missing_ok=True)
            n += len(records)
        return n

    def _reject(self, rejected: list[tuple[dict, Any, Any]]) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        path = self.spool_dir / f"{self.prefix}.rejected.jsonl"
        with path.open("a", encoding="utf-8") as fh:
            for d, status, error in rejected:
                src = {k: v for k, v in d.items() if k in _FIELDS}
                fh.write(json.dumps({"status": status, "error": error, "post": src}, ensure_ascii=False, default=str) + "\n")
        d, status, error = rejected[0]
        raise YuqingError(f"Elasticsearch refused {len(rejected)} posts (first: {d['key']} status {status}: "
                          f"{_short_error(error)}); they are kept in {path}")

    def update(self, changes: dict[int, dict[str, Any]]) -> int:
        self._check_update(changes)
        wanted = {pid: fields for pid, fields in changes.items() if fields}
        if not wanted:
            return 0
        counters = {"reposts", "comments", "likes"}
        n = 0
        touched: set[str] = set()
        ids = list(wanted)
        for i in range(0, len(ids), self.chunk_size):
            part = ids[i : i + self.chunk_size]
            with self._errors("find posts to update"):
                hits = self._hits({"terms": {"id": part}}, sort=[{"id": "asc"}], limit=len(part),
                                  source=["id", "title", "text", "reposts", "comments", "likes"])
            actions = {}
            for h in hits:
                src = h["_source"]
                fields = wanted[src["id"]]
                doc = {k: _plain(v) for k, v in fields.items()}
                if counters & set(fields):
                    doc["interactions"] = sum(int(fields.get(c, src.get(c)) or 0) for c in sorted(counters))
                # a partial update re-indexes the document from _source, which leaves out the search fields
                doc.update(self._search_fields(src.get("title"), src.get("text")))
                actions[h["_id"]] = {"_op_type": "update", "_index": h["_index"], "_id": h["_id"], "doc": doc,
                                     "retry_on_conflict": 3}
            if not actions:
                continue
            outcome, unresolved, _ = self._bulk(actions)
            if unresolved:
                raise YuqingError(f"Elasticsearch at {self.hosts_label} did not take {len(unresolved)} updates: "
                                  f"{next(iter(unresolved.values()))}")
            for key, (status, error) in outcome.items():
                if status in (200, 201):
                    n += 1
                    touched.add(actions[key]["_index"])
                elif status != 404:  # deleted meanwhile: like an UPDATE matching no row
                    raise YuqingError(f"Elasticsearch refused an update of post {key}: status {status}: {_short_error(error)}")
        self._refresh(touched)
        return n

    # -- reading -------------------------------------------------------
    def _errors(self, what: str):
        return _ErrorContext(what, self.hosts_label)

    def _search(self, **body) -> dict:
        return self.client.search(index=self.alias, ignore_unavailable=True, allow_no_indices=True, **body).body

    def _hits(self, query: dict, *, sort: list, limit: int, offset: int = 0, source: Any = True) -> list[dict]:
        """Hits for ``query`` in ``sort`` order, any offset/limit (deep pages are walked with search_after)."""
        if limit <= 0:
            return []
        if offset + limit <= _MAX_WINDOW:
            return self._search(query=query, sort=sort, size=limit, from_=offset, _source=source,
                                track_total_hits=False)["hits"]["hits"]
        out: list[dict] = []
        after = None
        skip = offset
        while len(out) < limit:
            body: dict[str, Any] = {"query": query, "sort": sort, "size": 5000, "_source": source,
                                    "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            page = self._search(**body)["hits"]["hits"]
            if not page:
                break
            after = page[-1]["sort"]
            if skip >= len(page):
                skip -= len(page)
                continue
            out.extend(page[skip:])
            skip = 0
        return out[:limit]

    def get(self, post_id: int) -> PostRecord | None:
        with self._errors("read a post"):
            hits = self._hits({"term": {"id": int(post_id)}}, sort=[{"id": "asc"}], limit=1)
        return _record(hits[0]["_source"]) if hits else None

    def get_many(self, post_ids: Iterable[int]) -> list[PostRecord]:
        ids = [int(i) for i in post_ids]
        found: dict[int, PostRecord] = {}
        unique = list(dict.fromkeys(ids))
        with self._errors("read posts"):
            for i in range(0, len(unique), self.chunk_size):
                part = unique[i : i + self.chunk_size]
                for h in self._hits({"terms": {"id": part}}, sort=[{"id": "asc"}], limit=len(part)):
                    r = _record(h["_source"])
                    found[r.id] = r
        return [found[i] for i in ids if i in found]

    def _seen_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(keys), self.chunk_size):
            part = keys[i : i + self.chunk_size]
            res = self._search(query={"ids": {"values": part}}, size=len(part), _source=False,
                               track_total_hits=False)
            found.update(h["_id"] for h in res["hits"]["hits"])
        return found

    def seen(self, keys: Iterable[str]) -> set[str]:
        with self._errors("look up keys"):
            return self._seen_keys(list(dict.fromkeys(keys)))

    def pending(self, stage: Literal["classify", "grade"], limit: int = 1000) -> list[PostRecord]:
        if stage == "classify":
            query = {"bool": {"must_not": [{"exists": {"field": "classified_at"}}]}}
        elif stage == "grade":
            query = {"bool": {"filter": [{"term": {"relevant": True}}],
                              "must_not": [{"exists": {"field": "graded_at"}}]}}
        else:
            raise ValueError(f"unknown stage {stage!r}; allowed: classify, grade")
        with self._errors("read pending posts"):
            hits = self._hits(query, sort=[{"fetched_at": "asc"}, {"id": "asc"}], limit=limit)
        return [_record(h["_source"]) for h in hits]

    def query_dsl(self, q: PostQuery | None) -> dict[str, Any]:
        """The Elasticsearch query for a :class:`PostQuery` (filters match like the SQL store's)."""
        if q is None:
            return {"match_all": {}}
        filters: list[dict] = []
        should: list[dict] = []
        for word in (q.text or "").split():
            filters.append(self._contains(word))
            should += self._scored(word, phrase=False)
        if q.phrase:
            filters.append(self._contains(q.phrase))
            should += self._scored(q.phrase, phrase=True)
        if q.since or q.until:
            rng: dict[str, str] = {}
            if q.since:
                rng["gte"] = _iso(q.since)
            if q.until:
                rng["lt"] = _iso(q.until)
            filters.append({"range": {"when": rng}})
        for field_name, values in (("source", q.sources), ("kind", q.kinds), ("topic", q.topics)):
            if values:
                filters.append({"terms": {field_name: list(values)}})
        if q.levels:
            filters.append({"terms": {"level": [int(x) for x in q.levels]}})
        if q.event_id is not None:
            filters.append({"term": {"event_id": int(q.event_id)}})
        if q.relevant is not None:
            filters.append({"term": {"relevant": bool(q.relevant)}})
        if not filters and not should:
            return {"match_all": {}}
        return {"bool": {"filter": filters, "should": should}}

    @staticmethod
    def _contains(text: str) -> dict:
        return {"match_phrase": {"chars": {"query": chars_of(text), "analyzer": "whitespace"}}}

    def _scored(self, text: str, *, phrase: bool) -> list[dict]:
        tokens = self._token_text(text)
        if not tokens:
            return []
        kind = "match_phrase" if phrase else "match"
        extra = {} if phrase else {"operator": "and"}
        return [
            {kind: {"title_tokens": {"query": tokens, "analyzer": "whitespace", "boost": 2.0, **extra}}},
            {kind: {"text_tokens": {"query": tokens, "analyzer": "whitespace", **extra}}},
        ]

    def search(self, query: PostQuery) -> list[PostRecord]:
        if query.sort == "oldest":
            sort: list = [{"when": "asc"}, {"id": "asc"}]
        elif query.sort == "relevance" and (query.text or query.phrase):
            # ranked by the tokens the classifier sees; ties like the SQL store: most interactions, newest
            sort = ["_score", {"interactions": "desc"}, {"when": "desc"}, {"id": "asc"}]
        else:
            sort = [{"when": "desc"}, {"id": "desc"}]
        with self._errors("search posts"):
            hits = self._hits(self.query_dsl(query), sort=sort, limit=query.limit, offset=query.offset)
        return [_record(h["_source"]) for h in hits]

    def count(self, query: PostQuery | None = None) -> int:
        with self._errors("count posts"):
            res = self.client.count(index=self.alias, query=self.query_dsl(query), ignore_unavailable=True,
                                    allow_no_indices=True)
        return int(res["count"])

    def _composite(self, source: dict, query: PostQuery | None) -> Iterator[tuple[Any, int]]:
        after = None
        while True:
            agg: dict[str, Any] = {"size": 1000, "sources": [{"v": source}]}
            if after is not None:
                agg["after"] = after
            res = self._search(query=self.query_dsl(query), size=0, track_total_hits=False,
                               aggs={"c": {"composite": agg}})
            c = res.get("aggregations", {}).get("c")
            if not c or not c["buckets"]:
                return
            for b in c["buckets"]:
                yield b["key"]["v"], b["doc_count"]
            after = c.get("after_key")
            if after is None or len(c["buckets"]) < 1000:
                return

    def counts_by(self, field_name, query: PostQuery | None = None) -> dict[str, int]:
        if field_name not in ("source", "kind", "topic", "level", "media_level"):
            raise ValueError(f"cannot count by {field_name!r}; allowed: source, kind, topic, level, media_level")
        out: dict[str, int] = {}
        with self._errors("count posts"):
            for value, n in self._composite({"terms": {"field": field_name, "missing_bucket": True}}, query):
                name = "" if value is None else str(value)
                out[name] = out.get(name, 0) + n
        return out

    def histogram(self, interval, query: PostQuery | None = None, tz: str = "Asia/Shanghai") -> list[tuple[datetime, int]]:
        if interval not in ("hour", "day"):
            raise ValueError(f"unknown interval {interval!r}; allowed: hour, day")
        zone = ZoneInfo(tz)
        source = {"date_histogram": {"field": "when", "calendar_interval": "1h" if interval == "hour" else "1d",
                                     "time_zone": tz}}
        with self._errors("count posts over time"):
            rows = [(datetime.fromtimestamp(ms / 1000, zone), n) for ms, n in self._composite(source, query) if n]
        return sorted(rows)

    def iter_all(self, batch_size: int = 1000, after_id: int | None = None) -> Iterator[list[PostRecord]]:
        last = after_id if after_id is not None else -1
        while True:
            with self._errors("read posts"):
                hits = self._search(query={"range": {"id": {"gt": last}}}, sort=[{"id": "asc"}], size=batch_size,
                                    track_total_hits=False)["hits"]["hits"]
            if not hits:
                return
            yield [_record(h["_source"]) for h in hits]
            last = hits[-1]["_source"]["id"]

    # -- administration --------------------------------------------------
    def health(self) -> dict[str, Any]:
        with self._errors("read cluster health"):
            return dict(self.client.cluster.health())

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing twice is harmless
            pass


class _Unreachable(Exception):
    """The node did not answer after the retries."""


class _ErrorContext:
    """Turns a dead or refusing node into one clear :class:`YuqingError` line."""

    def __init__(self, what: str, hosts: str):
        self.what, self.hosts = what, hosts

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, YuqingError):
            return False
        if isinstance(exc, (TransportConnectionError, ConnectionTimeout)):
            raise YuqingError(f"Elasticsearch at {self.hosts} is unreachable ({self.what}): {exc}") from exc
        if isinstance(exc, ApiError):
            raise YuqingError(f"Elasticsearch at {self.hosts} refused to {self.what}: "
                              f"{exc.status_code} {_short_error(exc.body)}") from exc
        return False


def _short_error(error: Any) -> str:
    if isinstance(error, dict):
        inner = error.get("error", error)
        if isinstance(inner, dict):
            return f"{inner.get('type', '')}: {inner.get('reason', '')}".strip(": ")
        return str(inner)
    return str(error)[:300]


def _stale(path: Path, seconds: float = 600) -> bool:
    """A claimed spool file left behind by a process that died (not touched for a while)."""
    try:
        return time.time() - path.stat().st_mtime > seconds
    except FileNotFoundError:
        return False


__all__ = ["ElasticPostStore", "MAPPING", "chars_of", "load_tokenizer", "make_client"]
