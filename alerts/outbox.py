"""The notification outbox: no message is lost between a change and its sending.

A state change of the procedure (a new alert, a 快报, an escalation, a
reminder) must reach people even when the process dies right after the change
is committed or a channel is down. So a message is not sent from memory: it is
written to ``notification_outbox`` in the same transaction as the change
(:func:`enqueue`) — a rolled-back change leaves no message, a committed one
always has its message. Right after the commit the message is delivered
(:func:`deliver`; from a background thread in the web app). Whatever did not
get through — the process crashed, a channel failed all its quick retries —
stays in the outbox and is retried by :func:`drain`, which ``yuqing run`` calls
every minute and at start-up, at the delays of ``notifications.retry_minutes``;
then it is marked ``failed`` and listed by ``yuqing alerts outbox``.

Delivery is at least once per channel: channels that have a message are
recorded (``channels_sent``) and skipped on later attempts; only a crash in
the middle of one channel's send can repeat it. Two processes never deliver
the same row at once: a sender first claims the row with a conditional update.
A message sent by a later attempt is marked 【补发】 so readers know it is late;
a late reminder of an alert that has since been answered or closed is not sent
at all (``obsolete``).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from yuqing.alerts.models import NotificationDelivery, OutboxMessage
from yuqing.alerts.notify import Message, Notifier
from yuqing.models import Alert, utcnow

log = logging.getLogger(__name__)

#: a claim older than this belongs to a sender that died mid-delivery; the row is taken over
STALE_CLAIM = timedelta(minutes=10)
#: delivered messages are kept this long (the delivery log keeps every attempt for good)
KEEP_DONE = timedelta(days=30)
#: the subject prefix of a message delivered by a later attempt
RESENT = "【补发】"
#: set on a session's ``info`` to deliver its messages from a background thread (the web app)
BACKGROUND = "yuqing.outbox.background"
_COMMITTED = "yuqing.outbox.ids"
_IDENTITY = f"{socket.gethostname()}:{os.getpid()}"


def _row(message: Message) -> OutboxMessage:
    return OutboxMessage(subject=message.heading[:500], kind_of_message=message.kind, alert_id=message.alert_id,
                         payload=message.to_payload(), status="pending", attempts=0, next_attempt_at=utcnow(),
                         channels_sent=[])


def enqueue(session: Session, deployment, message: Message) -> OutboxMessage:
    """Write ``message`` to the outbox in the session's transaction; it is delivered once the session commits."""
    row = _row(message)
    session.add(row)
    session.flush()  # the id, known before the commit (after it the session cannot read)
    session.info.setdefault(_COMMITTED, []).append((deployment, row.id))
    return row


def pending_in(session: Session) -> list[int]:
    """Outbox ids written in this session and not yet handed to delivery (tests, dry runs)."""
    return [i for _, i in session.info.get(_COMMITTED, [])]


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    items = session.info.pop(_COMMITTED, None)
    if not items:
        return
    if session.info.get(BACKGROUND):
        threading.Thread(target=_deliver_items, args=(items,), name="yuqing-notify", daemon=True).start()
    else:
        _deliver_items(items)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    dropped = session.info.pop(_COMMITTED, None)
    if dropped:
        log.info("dropped %d notification(s) of a rolled-back change", len(dropped))


def _deliver_items(items) -> None:
    by_dep: dict[int, tuple] = {}
    for dep, oid in items:
        by_dep.setdefault(id(dep), (dep, []))[1].append(oid)
    for dep, ids in by_dep.values():
        try:
            deliver(dep, ids)
        except Exception:  # the rows stay in the outbox; drain retries them
            log.exception("delivering %d notification(s) failed; they stay in the outbox", len(ids))


# -- delivery -------------------------------------------------------------------

@dataclass
class DrainReport:
    """What one pass over the outbox did."""

    done: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    taken_over: list[int] = field(default_factory=list)  # stale claims of a dead sender
    obsolete: list[int] = field(default_factory=list)  # late reminders of alerts answered or closed since

    def lines(self) -> list[str]:
        return [f"outbox: {len(self.done)} delivered, {len(self.retrying)} to retry, {len(self.failed)} failed"
                + (f", {len(self.taken_over)} taken over from a dead sender" if self.taken_over else "")
                + (f", {len(self.obsolete)} reminder(s) of answered alerts dropped" if self.obsolete else "")]


#: messages that only matter while their alert waits for its reply: a late copy is not sent once it has one
_CLOCK_KINDS = frozenset({"reminder", "overdue"})


def _obsolete(deployment, message: Message) -> bool:
    if message.kind not in _CLOCK_KINDS or message.alert_id is None:
        return False
    with deployment.sessions() as s:
        alert = s.get(Alert, message.alert_id)
        return alert is None or alert.status != "open" or alert.replied_at is not None


def retry_delays(cfg) -> list[timedelta]:
    return [timedelta(minutes=m) for m in cfg.notifications.retry_minutes]


def _claim(deployment, oid: int, now: datetime, holder: str) -> bool:
    with deployment.sessions() as s, s.begin():
        res = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == oid, OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .values(status="sending", claimed_at=now, claimed_by=holder, attempts=OutboxMessage.attempts + 1)
        )
        return res.rowcount == 1


def deliver(deployment, ids: list[int], now: datetime | None = None, report: DrainReport | None = None) -> DrainReport:
    """Deliver outbox rows that are due (each claimed first, so no other sender has it at the same time)."""
    report = report or DrainReport()
    holder = f"{_IDENTITY}:{threading.get_ident()}"
    delays = retry_delays(deployment.config)
    notifier = Notifier(deployment)
    for oid in ids:
        now_ = now or utcnow()
        if not _claim(deployment, oid, now_, holder):
            continue
        with deployment.sessions() as s:
            row = s.get(OutboxMessage, oid)
            payload, sent, attempts = dict(row.payload), set(row.channels_sent or []), row.attempts
        message = Message.from_payload(payload)
        if attempts > 1 and _obsolete(deployment, message):
            with deployment.sessions() as s, s.begin():
                row = s.get(OutboxMessage, oid)
                row.status, row.finished_at, row.claimed_at, row.claimed_by = "obsolete", utcnow(), None, None
            report.obsolete.append(oid)
            log.info("notification %d (%s) not re-sent: its alert has been answered or closed", oid, message.subject)
            continue
        if attempts > 1:  # a late copy: say so, and count the time left from now, not from the change
            if not message.subject.startswith(RESENT):
                message.subject = RESENT + message.subject
            message.at = now_
        deliveries = notifier.send(message, skip=sent, outbox_id=oid)
        if deliveries is None:  # routing failed: try the whole message again later
            errors = ["notification routing failed (see the log)"]
        else:
            sent |= {d.channel for d in deliveries if d.ok}
            errors = [f"{d.channel}: {d.error}" for d in deliveries if not d.ok]
        finished = utcnow()
        with deployment.sessions() as s, s.begin():
            row = s.get(OutboxMessage, oid)
            row.channels_sent = sorted(sent)
            row.claimed_at = row.claimed_by = None
            if not errors:
                row.status, row.finished_at, row.last_error = "done", finished, None
                report.done.append(oid)
            elif attempts <= len(delays):
                row.status, row.last_error = "pending", "; ".join(errors)[:2000]
                row.next_attempt_at = (now or finished) + delays[attempts - 1]
                report.retrying.append(oid)
                log.warning("notification %d (%s) will be retried at %s: %s", oid, row.subject,
                            row.next_attempt_at.isoformat(timespec="seconds"), row.last_error)
            else:
                row.status, row.finished_at, row.last_error = "failed", finished, "; ".join(errors)[:2000]
                report.failed.append(oid)
                log.error("notification %d (%s) failed after %d attempts: %s", oid, row.subject, attempts,
                          row.last_error)
    return report


def drain(deployment, now: datetime | None = None, limit: int = 200) -> DrainReport:
    """Deliver every outbox message that is due; take over rows whose sender died mid-delivery."""
    now = now or utcnow()
    report = DrainReport()
    with deployment.sessions() as s, s.begin():
        s.execute(delete(OutboxMessage).where(OutboxMessage.status == "done", OutboxMessage.finished_at < now - KEEP_DONE))
        stale = s.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - STALE_CLAIM)).all()
        if stale:
            s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(stale), OutboxMessage.status == "sending")
                      .values(status="pending", next_attempt_at=now, claimed_at=None, claimed_by=None))
            report.taken_over.extend(stale)
            log.warning("taking over %d notification(s) left by a sender that stopped: %s", len(stale), stale)
    with deployment.sessions() as s:
        due = s.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id).limit(limit)).all()
    return deliver(deployment, list(due), now=now, report=report)


def listing(deployment, statuses: tuple[str, ...] = ("pending", "sending", "failed"), limit: int = 100) -> list[OutboxMessage]:
    """Outbox rows in the given states, oldest first."""
    with deployment.sessions() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
                         .order_by(OutboxMessage.id).limit(limit)).all()
        s.expunge_all()
        return list(rows)


def retry_failed(deployment, now: datetime | None = None) -> int:
    """Give failed messages another round of attempts (after a channel is mended); returns how many."""
    now = now or utcnow()
    with deployment.sessions() as s, s.begin():
        res = s.execute(update(OutboxMessage).where(OutboxMessage.status == "failed")
                        .values(status="pending", attempts=0, next_attempt_at=now, finished_at=None))
        return res.rowcount


def send_now(deployment, message: Message) -> list:
    """Write ``message`` to the outbox and deliver it at once (reports); returns its deliveries on this attempt."""
    with deployment.sessions() as s, s.begin():
        row = _row(message)
        s.add(row)
        s.flush()
        oid = row.id
    deliver(deployment, [oid])
    with deployment.sessions() as s:
        rows = s.scalars(select(NotificationDelivery).where(NotificationDelivery.outbox_id == oid)
                         .order_by(NotificationDelivery.id)).all()
        s.expunge_all()
        return list(rows)
