"""Notifications: e-mail, 企业微信 and 钉钉 group robots, generic JSON webhooks.

``Notifier(deployment).send(Message(...))`` sends one message over every
configured channel whose audience, minimum level and duty setting match, and
returns one :class:`Delivery` per channel tried. Each channel is retried with
exponential backoff; every outcome is written to ``notification_deliveries``.
A failing channel is logged, never raised: the procedure must not wait on a
dead mail server.

Inside the procedure, state changes do not send directly: they write their
messages to the outbox in their own transaction (:mod:`yuqing.alerts.outbox`),
which delivers them after the commit and retries what did not get through, so
nobody is told of a change that did not happen and no message is lost.

Secrets (SMTP passwords, 钉钉 signing secrets, webhook keys in URLs) are read
from the environment at send time and never appear in logs or in the table.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import mimetypes
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any


from yuqing.alerts.models import NotificationDelivery
from yuqing.duty import configured_duty, on_duty
from yuqing.domain import Level
from yuqing.localtime import local_text
from yuqing.models import utcnow

log = logging.getLogger(__name__)

#: seconds before the first retry; doubled each time
BACKOFF_SECONDS = 1.0
#: the audience that matches every channel
EVERYONE = "*"
#: the audience name of duty officers (带班领导 / 值班人员)
DUTY = "值班"
#: the office: told of everything
OFFICE = "领导小组办公室"

_WECOM_LIMIT = 4000  # bytes of markdown content the 企业微信 robot accepts (4096, with margin)
_DINGTALK_LIMIT = 18000


@dataclass
class Message:
    """One notification, in Chinese. ``audience`` names who must hear it (names used in routing)."""

    subject: str
    text: str
    level: Level | None = None
    link: str | None = None
    audience: list[str] = field(default_factory=lambda: [OFFICE])
    attachments: list[Path] = field(default_factory=list)
    #: what happened: new, escalation, report, reminder, overdue, liaison_overdue, digest, monthly, …
    kind: str | None = None
    alert_id: int | None = None
    #: the reply deadline, shown as time left (relative to ``at``)
    deadline_at: datetime | None = None
    #: when the message is about (the evaluation time in drills); default now
    at: datetime | None = None

    def __post_init__(self) -> None:
        if self.level is not None:
            self.level = Level.parse(self.level)
        self.audience = list(self.audience)
        self.attachments = [Path(p) for p in self.attachments]

    @property
    def when(self) -> datetime:
        return self.at or utcnow()

    def to_payload(self) -> dict[str, Any]:
        """The message as JSON-ready data (kept in the outbox until every channel has it)."""
        return {
            "subject": self.subject, "text": self.text, "level": int(self.level) if self.level is not None else None,
            "link": self.link, "audience": list(self.audience), "attachments": [str(p) for p in self.attachments],
            "kind": self.kind, "alert_id": self.alert_id,
            "deadline_at": _iso(self.deadline_at), "at": _iso(self.at),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Message:
        return cls(
            subject=data["subject"], text=data.get("text") or "", level=data.get("level"), link=data.get("link"),
            audience=data.get("audience") or [OFFICE], attachments=data.get("attachments") or [],
            kind=data.get("kind"), alert_id=data.get("alert_id"),
            deadline_at=_from_iso(data.get("deadline_at")), at=_from_iso(data.get("at")),
        )

    @property
    def heading(self) -> str:
        if self.level is None:
            return self.subject
        return f"【{self.level.roman}级·{self.level.label}】{self.subject}"

    @property
    def time_left(self) -> str | None:
        if self.deadline_at is None:
            return None
        return format_time_left(self.deadline_at, self.when)


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(timezone.utc).isoformat() if t is not None else None


def _from_iso(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


@dataclass
class Delivery:
    """The outcome of one message over one channel."""

    channel: str
    kind: str
    status: str  # sent, failed
    attempts: int
    error: str | None = None
    at: datetime = field(default_factory=utcnow)
    id: int | None = None  # row in notification_deliveries

    @property
    def ok(self) -> bool:
        return self.status == "sent"


class DeliveryError(Exception):
    """One attempt failed (internal: retried, then logged)."""


# -- formatting -------------------------------------------------------------

def format_duration(delta: timedelta) -> str:
    """A duration in Chinese: 2天3小时, 5小时20分, 45分钟."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分" if mins else f"{hours}小时"
    return f"{mins}分钟"


def format_time_left(deadline: datetime, now: datetime) -> str:
    left = deadline - now
    if left > timedelta(0):
        return f"剩余{format_duration(left)}"
    return f"已超时{format_duration(left)}"


def render_text(m: Message, tz: str = "Asia/Shanghai") -> str:
    """Plain text (e-mail body)."""
    lines = [m.heading, ""]
    if m.text:
        lines += [m.text, ""]
    if m.deadline_at is not None:
        lines.append(f"处置时限：{local_text(m.deadline_at, tz)}（{m.time_left}）")
    if m.link:
        lines.append(f"详情：{m.link}")
    lines.append(f"时间：{local_text(m.when, tz)}")
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(m: Message, tz: str = "Asia/Shanghai") -> str:
    """Markdown for the 企业微信 and 钉钉 robots."""
    lines = [f"### {m.heading}"]
    if m.level is not None:
        lines.append(f"> 级别：**{m.level.label}**（{m.level.roman}级）")
    if m.deadline_at is not None:
        lines.append(f"> 处置时限：{local_text(m.deadline_at, tz)}（**{m.time_left}**）")
    if m.text:
        lines += ["", m.text]
    if m.link:
        lines += ["", f"[查看详情]({m.link})"]
    return "\n".join(lines)


def _truncate(text: str, limit_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit_bytes:
        return text
    return data[: limit_bytes - 10].decode("utf-8", errors="ignore") + "\n……"


# -- secrets ----------------------------------------------------------------

def redact_url(url: str) -> str:
    """What may be logged of a webhook URL: scheme, host and path, with query values hidden."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(invalid URL)"
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    query = "&".join(f"{k}=***" for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, query, ""))


def _scrub(text: str, secrets: list[str]) -> str:
    for s in secrets:
        if s and len(s) >= 3:
            text = text.replace(s, "***")
            quoted = urllib.parse.quote_plus(s)
            if quoted != s:
                text = text.replace(quoted, "***")
    return text


# -- channels -----------------------------------------------------------------

duty_active = configured_duty  # the configured periods (the database's are asked below)


def channel_matches(channel, message: Message, on_duty: bool) -> bool:
    """Whether a channel should carry a message: audience overlap, level, duty."""
    if channel.duty_only and not on_duty:
        return False
    if message.level is not None and message.level < Level.parse(channel.min_level):
        return False
    if EVERYONE in channel.audience or EVERYONE in message.audience:
        return True
    return bool(set(channel.audience) & set(message.audience))


def _env(name: str | None) -> str | None:
    return os.environ.get(name) if name else None


class Notifier:
    """Sends messages over the deployment's configured channels."""

    def __init__(self, deployment, backoff: float | None = None):
        self.deployment = deployment
        self.cfg = deployment.config
        self.backoff = BACKOFF_SECONDS if backoff is None else backoff

    def channels_for(self, message: Message) -> list:
        channels = self.cfg.notifications.channels
        on_duty = any(c.duty_only for c in channels) and self.on_duty(message.when)
        return [c for c in channels if channel_matches(c, message, on_duty)]

    def on_duty(self, at: datetime) -> bool:
        """A duty period in force: from the configuration, or declared with ``yuqing duty add``."""
        if duty_active(self.cfg, at):
            return True
        try:
            return bool(on_duty(self.deployment, at))
        except Exception as e:  # no duty table yet, a locked database: the configured periods decide
            log.warning("could not read declared duty periods: %s", str(e).splitlines()[0])
            return False

    def send(self, message: Message, skip: set[str] | frozenset[str] = frozenset(),
             outbox_id: int | None = None) -> list[Delivery]:
        """Send over every matching channel not named in ``skip``; never raises.

        Returns one Delivery per channel tried; raises nothing when routing fails
        (a broken duty period or level in the configuration) but returns None, so
        the outbox keeps the message for a later attempt.
        """
        deliveries: list[Delivery] = []
        try:
            channels = [c for c in self.channels_for(message) if c.name not in skip]
        except Exception:  # a broken duty period or level in the config must not stop the procedure
            log.exception("notification routing failed for %r", message.subject)
            return None  # type: ignore[return-value]
        for channel in channels:
            deliveries.append(self._send_one(channel, message))
        if deliveries:
            self._log(message, deliveries, outbox_id)
        return deliveries

    # -- one channel, with retries ----------------------------------------
    def _send_one(self, channel, message: Message) -> Delivery:
        attempts = 0
        error: str | None = None
        secrets = self._secrets(channel)
        for attempt in range(channel.retries + 1):
            attempts = attempt + 1
            try:
                getattr(self, f"_send_{channel.kind}")(channel, message)
            except Exception as e:  # every failure is retried, then logged
                error = _scrub(f"{type(e).__name__}: {e}", secrets)[:500]
                log.warning(
                    "notification over %s (%s) failed, attempt %d/%d: %s",
                    channel.name, channel.kind, attempts, channel.retries + 1, error,
                )
                if attempt < channel.retries:
                    time.sleep(self.backoff * (2**attempt))
                continue
            log.info("notification %r sent over %s after %d attempt(s)", message.subject, channel.name, attempts)
            return Delivery(channel=channel.name, kind=channel.kind, status="sent", attempts=attempts)
        return Delivery(channel=channel.name, kind=channel.kind, status="failed", attempts=attempts, error=error)

    def _secrets(self, channel) -> list[str]:
        values = [self._url(channel, quiet=True), _env(channel.secret_env), _env(channel.smtp_password_env)]
        out = [v for v in values if v]
        url = self._url(channel, quiet=True)
        if url:
            out += [v for _, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)]
        return out

    def _url(self, channel, quiet: bool = False) -> str | None:
        if channel.url_env:
            url = os.environ.get(channel.url_env)
            if not url and not quiet:
                raise DeliveryError(f"environment variable {channel.url_env} (the webhook URL) is not set")
            return url
        return channel.url

    def _log(self, message: Message, deliveries: list[Delivery], outbox_id: int | None = None) -> None:
        try:
            with self.deployment.sessions() as s, s.begin():
                rows = []
                for d in deliveries:
                    row = NotificationDelivery(
                        at=d.at, channel=d.channel, kind=d.kind, status=d.status, attempts=d.attempts,
                        error=d.error, subject=message.heading[:500], level=int(message.level) if message.level else None,
                        audience=list(message.audience), alert_id=message.alert_id, kind_of_message=message.kind,
                        outbox_id=outbox_id,
                    )
                    s.add(row)
                    rows.append(row)
                s.flush()
                for d, row in zip(deliveries, rows):
                    d.id = row.id
        except Exception:
            log.exception("could not log %d notification deliveries", len(deliveries))

    # -- HTTP robots ------------------------------------------------------
    def _post_json(self, url: str, payload: dict, timeout: float) -> dict | None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(
            url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "yuqing-notify/1"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured URL
                raw = resp.read(65536)
        except urllib.error.HTTPError as e:
            raise DeliveryError(f"HTTP {e.code} {e.reason}") from None
        except urllib.error.URLError as e:
            raise DeliveryError(f"cannot reach the webhook: {e.reason}") from None
        try:
            return json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    @staticmethod
    def _check_robot_answer(answer: dict | None) -> None:
        """Both robots answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; anything else is a failure."""
        if not isinstance(answer, dict) or "errcode" not in answer:
            raise DeliveryError(f"unexpected answer from the robot: {str(answer)[:200]}")
        if answer.get("errcode") != 0:
            raise DeliveryError(f"robot refused the message: errcode {answer.get('errcode')}: {answer.get('errmsg')}")

    def _send_wecom(self, channel, message: Message) -> None:
        content = _truncate(render_markdown(message, self.cfg.timezone), _WECOM_LIMIT)
        payload = {"msgtype": "markdown", "markdown": {"content": content}}
        self._check_robot_answer(self._post_json(self._url(channel), payload, channel.timeout_seconds))

    def _send_dingtalk(self, channel, message: Message) -> None:
        url = self._url(channel)
        secret = _env(channel.secret_env)
        if channel.secret_env and not secret:
            raise DeliveryError(f"environment variable {channel.secret_env} (the signing secret) is not set")
        if secret:
            url = dingtalk_signed_url(url, secret)
        payload = {
            "msgtype": "markdown",
            "markdown": {"title": message.heading[:60], "text": _truncate(render_markdown(message, self.cfg.timezone), _DINGTALK_LIMIT)},
        }
        self._check_robot_answer(self._post_json(url, payload, channel.timeout_seconds))

    def _send_file(self, channel, message: Message) -> None:
        """Append the message (the webhook's JSON) to a local JSON-lines inbox under data_dir."""
        path = Path(channel.path)
        if not path.is_absolute():
            path = Path(self.cfg.data_dir) / path
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(webhook_payload(message, self.cfg.timezone), ensure_ascii=False, default=str) + "\n"
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)

    def _send_webhook(self, channel, message: Message) -> None:
        self._post_json(self._url(channel), webhook_payload(message, self.cfg.timezone), channel.timeout_seconds)

    # -- e-mail -------------------------------------------------------------
    def _send_email(self, channel, message: Message) -> None:
        mail = EmailMessage()
        mail["Subject"] = message.heading
        mail["From"] = channel.mail_from or f"yuqing@{channel.smtp_host}"
        mail["To"] = ", ".join(channel.mail_to)
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain="yuqing")
        mail.set_content(render_text(message, self.cfg.timezone))
        for path in message.attachments:
            ctype, _ = mimetypes.guess_type(path.name)
            maintype, subtype = (ctype or "application/octet-stream").split("/", 1)
            data = path.read_bytes()
            if maintype == "text":
                try:
                    mail.add_attachment(data.decode("utf-8"), subtype=subtype, charset="utf-8", filename=path.name)
                    continue
                except UnicodeDecodeError:
                    maintype, subtype = "application", "octet-stream"
            mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
        user, password = _env(channel.smtp_user_env), _env(channel.smtp_password_env)
        if channel.smtp_user_env and not user:
            raise DeliveryError(f"environment variable {channel.smtp_user_env} (the SMTP user) is not set")
        timeout = channel.timeout_seconds
        if channel.smtp_ssl:
            smtp = smtplib.SMTP_SSL(channel.smtp_host, channel.smtp_port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(channel.smtp_host, channel.smtp_port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if channel.smtp_starttls and not channel.smtp_ssl:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if user:
                smtp.login(user, password or "")
            refused = smtp.send_message(mail)
        if refused:
            raise DeliveryError(f"the server refused recipients: {', '.join(sorted(refused))}")


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The robot URL with ``timestamp`` and ``sign`` (HMAC-SHA256 of "timestamp\\nsecret", base64)."""
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{ts}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{sep}timestamp={ts}&sign={sign}"


def webhook_payload(m: Message, tz: str = "Asia/Shanghai") -> dict[str, Any]:
    """The generic JSON webhook body."""
    return {
        "subject": m.subject,
        "heading": m.heading,
        "text": m.text,
        "kind": m.kind,
        "alert_id": m.alert_id,
        "level": int(m.level) if m.level is not None else None,
        "level_label": m.level.label if m.level is not None else None,
        "level_roman": m.level.roman if m.level is not None else None,
        "link": m.link,
        "audience": list(m.audience),
        "deadline_at": m.deadline_at.astimezone(timezone.utc).isoformat() if m.deadline_at else None,
        "time_left": m.time_left,
        "at": m.when.astimezone(timezone.utc).isoformat(),
        "markdown": render_markdown(m, tz),
    }
