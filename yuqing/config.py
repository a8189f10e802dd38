"""A deployment's configuration: one YAML or TOML file, validated on load.

Where the file is found: ``--config PATH``, else ``$YUQING_CONFIG``, else
``yuqing.yaml`` / ``yuqing.yml`` / ``yuqing.toml`` in the working folder.
Every section is a pydantic model that forbids unknown keys, so a typo is an
error naming the key, the value and what is allowed (see :class:`ConfigError`).
``EXAMPLE_CONFIG`` is the commented file ``yuqing init`` writes.
"""
from __future__ import annotations

import os
import re
import tomllib
from datetime import datetime, time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from yuqing.errors import YuqingError
from yuqing.domain import DEFAULT_REPLY_HOURS, DEFAULT_TOPICS, DISPLAY_TZ, Level, Role

CONFIG_NAMES = ("yuqing.yaml", "yuqing.yml", "yuqing.toml")
#: a larger file is not a configuration (the commented example is a few KB); megabytes of YAML take minutes to read
MAX_CONFIG_BYTES = 1024 * 1024

SOURCE_KINDS = (
    "news",  # any news site: list pages → articles, general extractor
    "rss",  # RSS / Atom feeds
    "weibo",  # s.weibo.com PC search
    "weibo_mobile",  # m.weibo.cn JSON search API
    "baidu",  # 百度 web search
    "baidu_news",  # 百度 news search (tn=news)
    "sogou_weixin",  # 搜狗微信 article search
    "youdao",  # 有道 search
    "tieba",  # 百度贴吧 forum lists and threads
    "board",  # government message boards (留言板, 12345, 区长信箱)
    "manual",  # 群众反映, entered by hand
)


#: how a source of each kind is called when its configuration gives no ``label``
SOURCE_KIND_LABELS = {
    "news": "新闻网站", "rss": "RSS订阅", "weibo": "微博搜索", "weibo_mobile": "微博（移动版）", "baidu": "百度搜索",
    "baidu_news": "百度新闻", "sogou_weixin": "搜狗微信", "youdao": "有道搜索", "tieba": "百度贴吧", "board": "留言板",
    "manual": "群众反映（人工录入）",
}


class ConfigError(YuqingError):
    """A configuration problem, worded for one line on stderr."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


#: the locality of the configuration used where none exists (``grade --input``, ``classify predict --input``)
UNKNOWN_LOCALITY = "本地"


class Locality(_Section):
    """The place the office watches."""

    name: str = Field(min_length=1, description="official name, e.g. 清河县")
    aliases: list[str] = Field(default_factory=list, description="other names people use")
    units: list[str] = Field(default_factory=list, description="sub-units: 乡镇、街道、社区、村")
    officials: list[str] = Field(default_factory=list, description="officials' titles or names to watch")
    terms: list[str] = Field(default_factory=list, description="local terms for the tokenizer dictionary")
    lookalikes: list[str] = Field(
        default_factory=list, description="other places with a similar name, never a match on their own"
    )

    @property
    def known(self) -> bool:
        """False for the stand-in locality of a run without configuration: no place can be told apart then."""
        return self.name != UNKNOWN_LOCALITY

    def names(self) -> list[str]:
        """Every name that identifies the locality, longest first."""
        seen = dict.fromkeys([self.name, *self.aliases, *self.units])
        return sorted(seen, key=len, reverse=True)


class Keywords(_Section):
    include: list[str] = Field(default_factory=list, description="business terms searched with the names")
    exclude: list[str] = Field(default_factory=list, description="a post containing any of these is dropped")


class Source(_Section):
    """One place the crawlers watch."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", description="short id, e.g. weibo-search")
    kind: Literal[SOURCE_KINDS]  # type: ignore[valid-type]
    label: str | None = Field(default=None, max_length=40,
                              description="the name the office sees (中文), e.g. 县政府网站; default: the kind's name")
    enabled: bool = True
    start_urls: list[str] = Field(default_factory=list, description="list pages, feeds or API base URLs")
    cadence_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    duty_cadence_minutes: int | None = Field(default=None, ge=1, description="cadence during 值班 periods")
    delay_seconds: float = Field(default=2.0, ge=0, le=600)
    concurrency: int = Field(default=1, ge=1, le=16)
    max_pages: int = Field(default=5, ge=1, le=1000, description="search result pages per keyword")
    keywords: list[str] | None = Field(default=None, description="overrides the global include list")
    exclude: list[str] = Field(default_factory=list, description="added to the global exclude list")
    require_locality: bool = Field(default=True, description="keep only posts naming the locality")
    media_level: Literal["central", "provincial", "local", "self"] = "self"
    official: bool = Field(default=False, description="the office's own channel (government site or account): its "
                           "posts are kept and shown, but a notice of its own never starts an issue's 12-hour clock")
    cookie_env: str | None = Field(default=None, description="environment variable holding a login cookie")
    obey_robots: bool = True
    options: dict[str, Any] = Field(default_factory=dict, description="spider-specific settings")


class Thresholds(_Section):
    """Numbers of the severity rubric (SPEC §4). Configuration, not code."""

    interactions_minor: int = Field(default=100, ge=0, description="below this: 影响较小")
    interactions_major: int = Field(default=1000, ge=0, description="from this (with provincial/大V): 重大或较大")
    interactions_special: int = Field(default=10000, ge=0, description="from this (allegations): 特别重大")
    deaths_special: int = Field(default=3, ge=1, description="deaths from which an event is 特别重大")
    deaths_major: int = Field(default=1, ge=1, description="deaths from which an event is 重大或较大")
    injuries_special: int = Field(default=30, ge=1, description="injured from which an accident is mass casualties: 特别重大")
    sick_special: int = Field(default=100, ge=1, description="people poisoned or infected from which it is 特别重大")
    crowd_special: int = Field(default=30, ge=2, description="people gathering or clashing from which it is a mass incident")
    big_v_followers: int = Field(default=100000, ge=0, description="an author this followed counts as 大V")
    event_similarity: float = Field(default=0.2, gt=0, lt=1, description="similarity (text, places, kind of incident) to join an event")
    event_window_hours: int = Field(default=72, ge=1, description="how long an event takes new posts")
    relevance_min: float = Field(default=0.5, ge=0, le=1, description="relevance score for a post to be kept")
    alert_min_level: str = Field(default="影响较小", description="lowest level that opens an alert")
    alert_min_negativity: float = Field(
        default=0.5, ge=0, le=1,
        description="below 重大或较大, an event opens an alert only when at least this negative "
                    "(good news and notices are logged and shown in the digest, not alerted)")
    alert_max_age_hours: int = Field(
        default=168, ge=1,
        description="an event whose newest post is older than this opens no alert (old pages a first crawl finds)")

    @field_validator("alert_min_level")
    @classmethod
    def _level(cls, v: str) -> str:
        return Level.parse(v).label

    @model_validator(mode="after")
    def _ordered(self) -> "Thresholds":
        if not self.interactions_minor <= self.interactions_major <= self.interactions_special:
            raise ValueError(
                "interactions_minor <= interactions_major <= interactions_special must hold "
                f"(got {self.interactions_minor}, {self.interactions_major}, {self.interactions_special})"
            )
        return self


class Route(_Section):
    lead: str
    inform: list[str]


def _default_routing() -> dict[str, Route]:
    return {
        "特别重大": Route(lead="领导小组组长", inform=["领导小组", "县委宣传部", "县委", "县政府"]),
        "重大或较大": Route(lead="分管领导", inform=["领导小组", "县政府", "县委宣传部"]),
        "一般": Route(lead="领导小组", inform=["领导小组"]),
        "影响较小": Route(lead="领导小组办公室", inform=["领导小组办公室"]),
    }


class AlertSettings(_Section):
    reply_hours: float = Field(default=DEFAULT_REPLY_HOURS, gt=0, le=240)
    reminders_hours_left: list[float] = Field(default_factory=lambda: [6.0, 2.0])
    liaison_hours: float = Field(default=24, gt=0, description="days a unit has to verify a 联系单, in hours")
    routing: dict[str, Route] = Field(default_factory=_default_routing)
    propaganda_contact: str = Field(default="县委宣传部", description="told of every level-I alert")

    @field_validator("routing")
    @classmethod
    def _routing_levels(cls, v: dict[str, Route]) -> dict[str, Route]:
        for key in v:
            Level.parse(key)
        missing = {lv.label for lv in Level} - {Level.parse(k).label for k in v}
        if missing:
            raise ValueError(f"routing must name every level; missing: {'、'.join(sorted(missing))}")
        return {Level.parse(k).label: r for k, r in v.items()}

    def route(self, level: Level) -> Route:
        return self.routing[Level.parse(level).label]


class Channel(_Section):
    """One way of sending notifications."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    kind: Literal["email", "wecom", "dingtalk", "webhook", "file"]
    audience: list[str] = Field(
        default_factory=lambda: ["领导小组办公室"], description="who this channel reaches (names used in routing)"
    )
    min_level: str = Field(default="影响较小", description="lowest level sent over this channel")
    duty_only: bool = Field(default=False, description="only during 24-hour duty periods")
    url: str | None = Field(default=None, description="webhook URL (or url_env)")
    path: str | None = Field(default=None, description="file channel: a JSON-lines inbox, relative to data_dir "
                                                       "(a local record of every message, as the demo keeps)")
    url_env: str | None = None
    secret_env: str | None = Field(default=None, description="钉钉 signing secret, from the environment")
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_user_env: str | None = None
    smtp_password_env: str | None = None
    mail_from: str | None = None
    mail_to: list[str] = Field(default_factory=list)
    timeout_seconds: float = Field(default=10, gt=0)
    retries: int = Field(default=3, ge=0, le=10)

    @field_validator("min_level")
    @classmethod
    def _level(cls, v: str) -> str:
        return Level.parse(v).label

    @model_validator(mode="after")
    def _complete(self) -> "Channel":
        if self.kind == "email" and not (self.smtp_host and self.mail_to):
            raise ValueError("an email channel needs smtp_host and mail_to")
        if self.kind == "file":
            if not self.path:
                raise ValueError("a file channel needs path")
        elif self.kind != "email" and not (self.url or self.url_env):
            raise ValueError(f"a {self.kind} channel needs url or url_env")
        return self


class Notifications(_Section):
    base_url: str = Field(default="http://127.0.0.1:8080",
                          description="the web app's public address: links in messages point here; https:// makes the session cookie Secure")
    channels: list[Channel] = Field(default_factory=list)
    retry_minutes: list[int] = Field(
        default_factory=lambda: [1, 5, 15, 60, 120],
        description="a message a channel did not take is tried again after these delays, then marked failed",
    )

    @field_validator("retry_minutes")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(m < 1 for m in v):
            raise ValueError("delays are whole minutes, at least 1")
        return v


class User(_Section):
    username: str = Field(pattern=r"^[A-Za-z0-9_.\-]{2,40}$")
    name: str = Field(min_length=1, description="name shown in the audit trail")
    role: Role
    email: str | None = None
    password_env: str | None = Field(default=None, description="initial password from this variable")


class Schedule(_Section):
    digest_time: str = Field(default="17:00", description="daily digest, HH:MM Asia/Shanghai")
    monthly_day: int = Field(default=1, ge=1, le=28)
    monthly_time: str = Field(default="08:00")
    deadline_check_seconds: int = Field(default=60, ge=10, le=3600)
    grade_seconds: int = Field(default=60, ge=10, le=3600, description="classify and grade new posts")
    outbox_seconds: int = Field(default=60, ge=10, le=3600, description="deliver notifications still in the outbox")
    misfire_grace_hours: float = Field(default=12, gt=0, description="a missed run this late still runs once")

    @field_validator("digest_time", "monthly_time")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        try:
            time.fromisoformat(v)
        except ValueError:
            raise ValueError("must be HH:MM, e.g. 17:00") from None
        return v


class DutyPeriod(_Section):
    """A declared 24-hour duty period (值班): holidays, major events."""

    name: str
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _order(self) -> "DutyPeriod":
        if self.end <= self.start:
            raise ValueError(f"duty period {self.name!r} ends before it starts")
        return self


class Duty(_Section):
    cadence_factor: float = Field(default=0.25, gt=0, le=1, description="crawl cadence multiplier on duty")
    periods: list[DutyPeriod] = Field(default_factory=list)


class ElasticsearchSettings(_Section):
    hosts: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:9200"])
    index_prefix: str = Field(default="yuqing-posts", pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    username_env: str | None = None
    password_env: str | None = None
    api_key_env: str | None = None
    ca_certs: str | None = None
    verify_certs: bool = True
    timeout_seconds: float = Field(default=30, gt=0)
    max_retries: int = Field(default=5, ge=0)
    rollover: Literal["month", "year", "none"] = "month"


class Storage(_Section):
    data_dir: Path = Field(default=Path("yuqing-data"), description="database, models, raw pages, digests")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    database_url_env: str | None = Field(default=None, description="read the URL (with password) from here")
    posts: Literal["sql", "elasticsearch"] = "sql"
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
    keep_raw_pages: bool = True


class Web(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    secret_key_env: str = Field(default="YUQING_SECRET_KEY", description="session signing key variable")


class Documents(_Section):
    """How the office's documents (日报、月报、简报) are signed."""

    issuer: str | None = Field(default=None, max_length=60,
                               description="the 发文机关 printed under the masthead, e.g. 云溪县委网信办; "
                                           "default: <locality>网络舆情工作领导小组办公室")


class Classify(_Section):
    topics: list[str] = Field(default_factory=lambda: list(DEFAULT_TOPICS))
    model_dir: Path | None = Field(default=None, description="default: data_dir/models")
    stopwords: Path | None = Field(default=None, description="extra stopword list, one per line")


class Config(_Section):
    """The whole deployment."""

    locality: Locality
    keywords: Keywords = Field(default_factory=Keywords)
    sources: list[Source] = Field(default_factory=list)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    notifications: Notifications = Field(default_factory=Notifications)
    users: list[User] = Field(default_factory=list)
    schedule: Schedule = Field(default_factory=Schedule)
    duty: Duty = Field(default_factory=Duty)
    storage: Storage = Field(default_factory=Storage)
    web: Web = Field(default_factory=Web)
    classify: Classify = Field(default_factory=Classify)
    timezone: str = DISPLAY_TZ

    documents: Documents = Field(default_factory=Documents)

    @property
    def issuer(self) -> str:
        """The 发文机关 of the office's documents."""
        return self.documents.issuer or f"{self.locality.name}网络舆情工作领导小组办公室"

    #: the file this was loaded from (not part of the schema)
    path: Path | None = Field(default=None, exclude=True)

    def source_label(self, name: str | None) -> str:
        """The Chinese name the office sees for a source id: its ``label``, else its kind's name; a source no
        longer configured keeps its id."""
        if not name:
            return "未知来源"
        if name == "manual":
            return SOURCE_KIND_LABELS["manual"]
        for source in self.sources:
            if source.name == name:
                if source.label:
                    return source.label
                kind = SOURCE_KIND_LABELS.get(source.kind, name)
                twins = [s for s in self.sources if s.kind == source.kind and not s.label]
                return kind if len(twins) == 1 else f"{kind}（{name}）"
        return name

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, v: list[Source]) -> list[Source]:
        names = [s.name for s in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        return v

    @field_validator("users")
    @classmethod
    def _unique_users(cls, v: list[User]) -> list[User]:
        names = [u.username for u in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"usernames must be unique; repeated: {', '.join(dupes)}")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA zone such as Asia/Shanghai") from None
        return v

    # -- derived paths -------------------------------------------------
    @property
    def data_dir(self) -> Path:
        d = self.storage.data_dir
        if not d.is_absolute() and self.path is not None:
            d = self.path.parent / d
        return d

    @property
    def database_url(self) -> str:
        if self.storage.database_url_env:
            url = os.environ.get(self.storage.database_url_env)
            if not url:
                raise ConfigError(
                    f"storage.database_url_env: environment variable {self.storage.database_url_env} is not set"
                )
            return url
        if self.storage.database_url:
            return self.storage.database_url
        return f"sqlite:///{(self.data_dir / 'yuqing.db').resolve()}"

    @property
    def model_dir(self) -> Path:
        d = self.classify.model_dir or (self.data_dir / "models")
        if not d.is_absolute() and self.path is not None and self.classify.model_dir is not None:
            d = self.path.parent / d
        return d

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r}; configured: {known}")


# -- loading -------------------------------------------------------------

def find_config(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Path:
    """Locate the configuration file, or raise ConfigError saying where we looked."""
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"configuration file {p} does not exist")
        return p
    env = os.environ.get("YUQING_CONFIG")
    if env:
        p = Path(env)
        if not p.is_file():
            raise ConfigError(f"YUQING_CONFIG points at {p}, which does not exist")
        return p
    cwd = cwd or Path.cwd()
    for name in CONFIG_NAMES:
        if (cwd / name).is_file():
            return cwd / name
    raise ConfigError(
        f"no configuration found: pass --config PATH, set YUQING_CONFIG, or run 'yuqing init' to write {CONFIG_NAMES[0]}"
    )


def parse_text(text: str, suffix: str) -> dict:
    """Parse YAML or TOML text to a dict, with a one-line error on bad syntax."""
    if suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"invalid TOML: {e}") from None
        except RecursionError:
            raise ConfigError("invalid TOML: nested too deeply") from None
    else:
        try:
            data = yaml.safe_load(text)
        except RecursionError:
            raise ConfigError("invalid YAML: nested too deeply") from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise ConfigError(f"invalid YAML{where}: {problem}") from None
    if data is None:
        raise ConfigError("the configuration file is empty; run 'yuqing init' for an example")
    if not isinstance(data, dict):
        raise ConfigError(f"the configuration must be a mapping of sections, not a {type(data).__name__}")
    return data


def from_dict(data: dict, path: Path | None = None) -> Config:
    try:
        cfg = Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(describe_validation_error(e)) from None
    cfg.path = path.resolve() if path else None
    _check_paths(cfg)
    return cfg


def _check_paths(cfg: Config) -> None:
    """Paths that must be folders and are not: found now, not as a crash of the first command that writes."""
    d = cfg.data_dir
    for folder in (d, *d.parents):
        if folder.exists():
            if not folder.is_dir():
                shown = f"storage.data_dir: {str(cfg.storage.data_dir)!r}"
                if folder == d:
                    raise ConfigError(f"{shown}: is a file; it must be a folder (database, models, digests)")
                raise ConfigError(f"{shown}: cannot be made a folder: {folder} is a file")
            return


def load(explicit: str | os.PathLike | None = None) -> Config:
    """Find, read and validate the configuration."""
    path = find_config(explicit)
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path} is {path.stat().st_size // 1024} KB; a configuration file is at most "
                              f"{MAX_CONFIG_BYTES // 1024} KB (is it the right file?)")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    return from_dict(parse_text(text, path.suffix.lower()), path)


def describe_validation_error(e: ValidationError) -> str:
    """One line for the first problem: key path, value, what is allowed."""
    errors = e.errors(include_url=False)
    line = _describe(errors[0])
    if len(errors) > 1:
        line += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return line


def _describe(err: dict) -> str:
    key = ""
    for part in err["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    key = key or "(top level)"
    value = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key (check the spelling; 'yuqing init' writes every allowed key)"
    if kind == "missing":
        return f"{key}: required but missing"
    msg = err["msg"]
    msg = re.sub(r"^Value error, ", "", msg)
    shown = _short(value)
    if kind == "literal_error":
        return f"{key}: {shown} is not allowed; {msg[0].lower() + msg[1:]}"
    return f"{key}: {shown}: {msg[0].lower() + msg[1:]}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def summary(cfg: Config) -> list[str]:
    """What the deployment would do, in lines for `yuqing check`."""
    loc = cfg.locality
    lines = [
        f"configuration: {cfg.path}",
        f"locality: {loc.name}" + (f" (aliases: {', '.join(loc.aliases)})" if loc.aliases else ""),
        f"  sub-units: {', '.join(loc.units) or 'none'}",
        f"keywords: include {len(cfg.keywords.include)} ({', '.join(cfg.keywords.include[:8])}"
        + ("…" if len(cfg.keywords.include) > 8 else "")
        + f"), exclude {len(cfg.keywords.exclude)}",
        f"sources: {len(cfg.sources)} ({sum(s.enabled for s in cfg.sources)} enabled)",
    ]
    for s in cfg.sources:
        state = "" if s.enabled else " [disabled]"
        lines.append(
            f"  - {s.name}: {s.kind}, every {s.cadence_minutes} min, delay {s.delay_seconds}s, "
            f"{len(s.start_urls)} start URL(s){state}"
        )
    t = cfg.thresholds
    lines += [
        f"thresholds: interactions {t.interactions_minor}/{t.interactions_major}/{t.interactions_special}, "
        f"deaths {t.deaths_major}+ → 重大或较大, {t.deaths_special}+ → 特别重大; alerts from {t.alert_min_level}",
        f"reply clock: {cfg.alerts.reply_hours:g} h, reminders at {', '.join(f'{h:g}' for h in cfg.alerts.reminders_hours_left)} h left",
        f"notifications: {len(cfg.notifications.channels)} channel(s)"
        + "".join(f"\n  - {c.name}: {c.kind} → {', '.join(c.audience)} (from {c.min_level})" for c in cfg.notifications.channels),
        f"users: {len(cfg.users)} ("
        + ", ".join(f"{u.username}={u.role.label}" for u in cfg.users)
        + ")",
        f"schedule: digest daily at {cfg.schedule.digest_time} {cfg.timezone}, monthly report on day {cfg.schedule.monthly_day}",
        f"duty periods: {len(cfg.duty.periods)}",
        f"data directory: {cfg.data_dir}",
        f"database: {redact_url(cfg.database_url)}",
        f"post store: {cfg.storage.posts}",
    ]
    return lines


def redact_url(url: str) -> str:
    """Hide a password in a database or server URL before it is shown or logged."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


EXAMPLE_CONFIG = """\
# yuqing 部署配置 — configuration of one deployment.
# Every key below is allowed; remove what you do not need. `yuqing check` validates it.

# 监测对象: the locality the office watches.
locality:
  name: 清河县                  # official name
  aliases: [清河]               # other names in use
  units: [城关镇, 东风街道, 幸福社区, 李家村]   # 乡镇、街道、社区、村
  officials: [县委书记, 县长, 副县长]          # titles watched (added to the tokenizer dictionary)
  terms: [清河大道, 清河一中]                   # local terms for the tokenizer
  lookalikes: [清河区, 清河门区]                # similar names elsewhere: never a match on their own

# 关键词: business terms searched together with the names, and exclusions.
keywords:
  include: [拆迁, 欠薪, 污染, 上访, 事故]
  exclude: [清河路小吃, 招聘]

# 信息来源: one entry per source; kinds: news, rss, weibo, weibo_mobile, baidu, baidu_news,
# sogou_weixin, youdao, tieba, board, manual.
sources:
  - name: county-news
    kind: news
    start_urls: ["http://127.0.0.1:8765/news/"]
    cadence_minutes: 30          # how often it is crawled
    duty_cadence_minutes: 10     # during 值班 periods
    delay_seconds: 2             # politeness delay between requests
    concurrency: 1
    media_level: local           # central, provincial, local, self
    official: false              # true for the office's own channels (政府网站、政务号): their notices never start an issue's clock
  # - name: weibo-search
  #   kind: weibo
  #   cookie_env: YUQING_WEIBO_COOKIE   # the login cookie is read from this variable, never written here
  #   cadence_minutes: 15

# 分级阈值 (SPEC §4): numbers, not code.
thresholds:
  interactions_minor: 100
  interactions_major: 1000
  interactions_special: 10000
  deaths_major: 1
  deaths_special: 3
  big_v_followers: 100000
  alert_min_level: 影响较小
  alert_min_negativity: 0.5      # 重大或较大 and above always open an alert
  alert_max_age_hours: 168       # events quiet for longer open no alert

# 处置时限与分级响应.
alerts:
  reply_hours: 12
  reminders_hours_left: [6, 2]
  liaison_hours: 24
  propaganda_contact: 县委宣传部

# 通知渠道: email, wecom (企业微信群机器人), dingtalk (钉钉群机器人), webhook (JSON).
notifications:
  base_url: http://127.0.0.1:8080   # the web app's public address (https:// behind the office's proxy)
  channels: []
  # - name: office-mail
  #   kind: email
  #   smtp_host: smtp.example.gov.cn
  #   smtp_port: 465
  #   smtp_ssl: true
  #   smtp_user_env: YUQING_SMTP_USER
  #   smtp_password_env: YUQING_SMTP_PASSWORD
  #   mail_from: yuqing@example.gov.cn
  #   mail_to: [office@example.gov.cn]
  #   audience: [领导小组办公室, 领导小组]
  # - name: duty-wecom
  #   kind: wecom
  #   url_env: YUQING_WECOM_WEBHOOK
  #   audience: [领导小组, 值班]
  #   min_level: 一般

# 用户与角色: monitor 监控员, commentator 网评员, office 办公室, leader 领导, analyst 分析员, admin 管理员.
# Passwords are never written here: set them with `yuqing users passwd NAME`, or give password_env.
users:
  - {username: admin, name: 系统管理员, role: admin}

# 日程 (Asia/Shanghai).
schedule:
  digest_time: "17:00"
  monthly_day: 1

# 24小时值班.
duty:
  cadence_factor: 0.25
  periods: []
  # - {name: 春节值班, start: 2027-02-05T00:00:00+08:00, end: 2027-02-12T00:00:00+08:00}

# 存储: SQLite in data_dir by default; PostgreSQL via database_url(_env); posts may go to Elasticsearch.
storage:
  data_dir: yuqing-data
  # database_url_env: YUQING_DATABASE_URL    # e.g. postgresql+psycopg://yuqing:secret@db/yuqing
  posts: sql                                 # or: elasticsearch
  elasticsearch:
    hosts: ["http://127.0.0.1:9200"]
    index_prefix: yuqing-posts

web:
  host: 127.0.0.1
  port: 8080

timezone: Asia/Shanghai
"""
