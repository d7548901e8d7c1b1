"""The delivery worker: drains the notification outbox (``flask --app server deliver``).

A round takes a batch of due deliveries, sends each, and records each attempt:

1. **Take** (one short transaction): the due pending rows, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so two
   workers never take the same row (SQLite: ``BEGIN IMMEDIATE``, one writer at a time), and moves their
   ``next_attempt_at`` forward by a lease longer than a send can take. The transaction commits before any
   network I/O: no database lock is held while a receiver is slow, and a worker that dies mid-send only
   delays its rows by the lease.
2. **Send**, outside any transaction: a webhook is a signed JSON POST (see :func:`signature`), an e-mail
   goes through the SMTP server of the configuration. 2xx (or SMTP accepted) is success; redirects are
   not followed.
3. **Record** (one short transaction per delivery): the attempt in ``notification_attempts``; success
   ends it; a failure schedules the next try after an exponential back-off (NOTIFY_BACKOFF_SECONDS doubling
   up to NOTIFY_BACKOFF_MAX_SECONDS), until NOTIFY_MAX_ATTEMPTS tries were made and it is given up.

Delivery is at least once: a receiver that accepted a request the worker then timed out on gets it again,
so receivers deduplicate by the event id (``X-Seamline-Event-Id``).

Every step takes the time from ``clock`` (the wall clock by default), so tests move time instead of
waiting. The signature's timestamp is always the real time of sending: receivers compare it with theirs.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select

from server.database import declare_write_intent, reset_write_intent
from server.extensions import db
from server.models import DeliveryAttempt, NotificationDelivery, WebhookEndpoint
from server.models.base import utcnow

log = logging.getLogger("seamline.delivery")

Clock = Callable[[], datetime]
USER_AGENT = "Seamline-Webhooks/1"
SIGNATURE_HEADER = "X-Seamline-Signature"
TIMESTAMP_HEADER = "X-Seamline-Timestamp"
# A receiver reads at most this much of an answer; the body is kept nowhere anyway.
_MAX_ANSWER_BYTES = 64 * 1024

EMAIL_SUBJECTS = {
    "inspection_finalized": "Inspection finalized",
    "inspection_failed": "Inspection failed",
    "corrective_action_opened": "Corrective action opened",
    "corrective_action_overdue": "Corrective action overdue",
    "review_status_changed": "Review status changed",
}


@dataclass(frozen=True)
class Job:
    """What a send needs, read while the row was taken (the send runs after that transaction ended)."""

    delivery_id: int
    channel: str
    event: str
    event_id: uuid.UUID
    occurred_at: datetime
    payload: dict
    url: str | None = None
    secret: str | None = None
    recipient_email: str | None = None


@dataclass(frozen=True)
class Outcome:
    ok: bool
    response_code: int | None = None
    error: str | None = None


@dataclass
class RoundReport:
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0
    delivery_ids: list[int] = field(default_factory=list)

    @property
    def taken(self) -> int:
        return self.delivered + self.retrying + self.given_up

    def add(self, other: RoundReport) -> None:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.given_up += other.given_up
        self.delivery_ids += other.delivery_ids


# --- signing -------------------------------------------------------------------------------


def event_body(job: Job) -> bytes:
    """The exact bytes POSTed (and signed)."""
    document = {"id": str(job.event_id), "event": job.event, "occurred_at": job.occurred_at.isoformat(),
                "data": job.payload}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256, keyed with the endpoint's secret, of ``timestamp + "." + body``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


# --- the rounds ----------------------------------------------------------------------------


def drain(clock: Clock = utcnow) -> RoundReport:
    """Deliver everything due now, round after round, until nothing is due (``deliver --once``).

    Ends: a failed delivery is scheduled later than now, so each round takes only rows not yet tried.
    """
    total = RoundReport()
    while True:
        report = deliver_round(clock)
        total.add(report)
        if report.taken == 0:
            return total


def run_forever(clock: Clock = utcnow, sleep: Callable[[float], None] = time.sleep) -> None:
    """The worker's loop: drain, then sleep NOTIFY_WORKER_SLEEP_SECONDS (not after a full batch)."""
    pause = current_app.config["NOTIFY_WORKER_SLEEP_SECONDS"]
    batch = current_app.config["NOTIFY_BATCH_SIZE"]
    while True:
        try:
            report = deliver_round(clock)
        except Exception:  # the database restarting must not end the worker; it tries again after a pause
            log.exception("delivery round failed")
            db.session.rollback()
            report = RoundReport()
        if report.taken < batch:
            sleep(pause)


def deliver_round(clock: Clock = utcnow) -> RoundReport:
    """Queue the actions that became overdue since the last round, then take one batch of due deliveries, send
    them, record the outcomes."""
    from server.services.corrective_actions import announce_overdue

    announce_overdue()
    jobs, given_up = take_due(clock)
    report = RoundReport(given_up=len(given_up), delivery_ids=list(given_up))
    for job in jobs:
        outcome = send(job)
        status = record(job.delivery_id, outcome, clock())
        report.delivery_ids.append(job.delivery_id)
        if status == "delivered":
            report.delivered += 1
        elif status == "failed":
            report.given_up += 1
        else:
            report.retrying += 1
    return report


def take_due(clock: Clock = utcnow) -> tuple[list[Job], list[int]]:
    """Claim up to NOTIFY_BATCH_SIZE due deliveries for this worker by moving them past a lease.

    Returns the jobs to send, and the deliveries given up instead (their endpoint was deactivated).
    """
    config = current_app.config
    now = clock()
    lease = timedelta(seconds=2 * config["NOTIFY_TIMEOUT_SECONDS"] + 60)
    token = declare_write_intent()
    try:
        rows = db.session.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.status == "pending", NotificationDelivery.next_attempt_at <= now)
            .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
            .limit(config["NOTIFY_BATCH_SIZE"])
            .with_for_update(skip_locked=True)
        ).all()
        jobs, given_up = [], []
        endpoints = _endpoints({row.endpoint_id for row in rows if row.endpoint_id is not None})
        for row in rows:
            endpoint = endpoints.get(row.endpoint_id)
            if row.channel == "webhook" and (endpoint is None or not endpoint.active):
                _give_up(row, now, "The endpoint was deactivated; its pending deliveries are not sent.")
                given_up.append(row.id)
                continue
            row.next_attempt_at = now + lease
            jobs.append(Job(delivery_id=row.id, channel=row.channel, event=row.event, event_id=row.event_id,
                            occurred_at=row.occurred_at, payload=row.payload,
                            url=endpoint.url if endpoint else None, secret=endpoint.secret if endpoint else None,
                            recipient_email=row.recipient_email))
        db.session.commit()
    finally:
        db.session.rollback()  # nothing left to undo after a commit; ends the transaction after an error
        reset_write_intent(token)
    return jobs, given_up


def record(delivery_id: int, outcome: Outcome, now: datetime) -> str | None:
    """Log one attempt and decide what comes next; returns the delivery's new status."""
    config = current_app.config
    token = declare_write_intent()
    try:
        row = db.session.get(NotificationDelivery, delivery_id, with_for_update=True, populate_existing=True)
        if row is None:  # its endpoint was deleted while it was being sent
            db.session.rollback()
            return None
        row.attempts += 1
        row.last_attempt_at = now
        row.response_code = outcome.response_code
        row.last_error = _clip(outcome.error)
        db.session.add(DeliveryAttempt(delivery_id=row.id, number=row.attempts, at=now, ok=outcome.ok,
                                       response_code=outcome.response_code, error=_clip(outcome.error)))
        if outcome.ok:
            row.status = "delivered"
            row.delivered_at = now
        elif row.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
            row.status = "failed"
            log.warning("delivery %s (%s %s) given up after %s attempts: %s", row.id, row.channel, row.event,
                        row.attempts, outcome.error)
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        status = row.status
        db.session.commit()
        return status
    finally:
        db.session.rollback()
        reset_write_intent(token)


def backoff(attempts_made: int) -> timedelta:
    """The wait after the n-th failed attempt: base, 2 x base, 4 x base... up to the maximum."""
    config = current_app.config
    seconds = config["NOTIFY_BACKOFF_SECONDS"] * 2 ** min(attempts_made - 1, 40)
    return timedelta(seconds=min(seconds, config["NOTIFY_BACKOFF_MAX_SECONDS"]))


def _endpoints(ids: set) -> dict:
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(ids)))}


def _give_up(row: NotificationDelivery, now: datetime, reason: str) -> None:
    row.status = "failed"
    row.last_error = reason
    row.last_attempt_at = now


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:500]


# --- sending -------------------------------------------------------------------------------


def send(job: Job) -> Outcome:
    try:
        return send_webhook(job) if job.channel == "webhook" else send_email(job)
    except Exception as exc:  # one delivery's surprise must not stop the others: it is logged and retried
        log.exception("delivery %s failed unexpectedly", job.delivery_id)
        return Outcome(False, None, f"internal error: {type(exc).__name__}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: the registered URL is the only one posted to."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def send_webhook(job: Job) -> Outcome:
    body = event_body(job)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(job.url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Seamline-Event": job.event,
        "X-Seamline-Event-Id": str(job.event_id),
        "X-Seamline-Delivery": str(job.delivery_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(job.secret, timestamp, body),
    })
    timeout = current_app.config["NOTIFY_TIMEOUT_SECONDS"]
    try:
        with _opener.open(request, timeout=timeout) as answer:
            answer.read(_MAX_ANSWER_BYTES)
            return Outcome(True, answer.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return Outcome(False, exc.code, f"HTTP {exc.code} {exc.reason}")
    except urllib.error.URLError as exc:
        return Outcome(False, None, f"connection failed: {exc.reason}")
    except TimeoutError:
        return Outcome(False, None, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}")


def email_message(job: Job, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[Seamline] {EMAIL_SUBJECTS.get(job.event, job.event)}"
    message["From"] = sender
    message["To"] = job.recipient_email
    message["Message-ID"] = make_msgid(idstring=f"{job.event_id}.{job.delivery_id}", domain="seamline")
    message["X-Seamline-Event"] = job.event
    message["X-Seamline-Event-Id"] = str(job.event_id)
    lines = [f"{EMAIL_SUBJECTS.get(job.event, job.event)} at {job.occurred_at.isoformat()}", ""]
    lines += [f"{key}: {'' if value is None else value}" for key, value in job.payload.items()]
    lines += ["", "You get this e-mail because you chose this event in your Seamline notification settings."]
    message.set_content("\n".join(lines))
    return message


def send_email(job: Job) -> Outcome:
    config = current_app.config
    if not config["SMTP_HOST"] or not config["SMTP_FROM"]:
        return Outcome(False, None, "SMTP_HOST and SMTP_FROM must be set to send e-mail.")
    message = email_message(job, config["SMTP_FROM"])
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["NOTIFY_TIMEOUT_SECONDS"]) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
        return Outcome(True, 250)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        return Outcome(False, code, f"recipient refused: {code} {_text(reason)}")
    except smtplib.SMTPResponseException as exc:
        return Outcome(False, exc.smtp_code, f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}")
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}")


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
