"""Delivering notifications to a real HTTP receiver and a real SMTP server on loopback.

Time moves by a clock the tests control (the worker schedules retries by it), never by waiting; only the
receiver's "hung" mode really waits, for a moment longer than the configured timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import world
from aiosmtpd.controller import Controller

from server.extensions import db
from server.models import Inspection, NotificationDelivery, User
from server.models.base import utcnow
from server.services import changes, corrective_actions, delivery, events
from server.services.finalize import apply_finalize

PASS = {"critical": "pass", "major": "pass", "minor": "pass", "overall": "pass"}
FAIL_CRITICAL = {"critical": "fail", "major": "pass", "minor": "pass", "overall": "fail"}
REPLAY_WINDOW_SECONDS = 300


def verify(secret: str, headers, body: bytes, now: float) -> bool:
    """The receiver's check, exactly as the README tells it."""
    timestamp = headers["X-Seamline-Timestamp"]
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Seamline-Signature"])


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 500 ("fail"), hangs past the timeout ("hang"), accepts
    ("ok"), or is not there at all (stopped). It keeps every request and the ones it accepted."""

    def __init__(self):
        self.mode = "ok"
        self.requests: list[tuple[dict, bytes, float]] = []
        self.accepted: list[tuple[dict, bytes, float]] = []
        self.lock = threading.Lock()
        self.port = None
        self.server = None
        self.start()

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                entry = (dict(self.headers), body, time.time())
                with receiver.lock:
                    receiver.requests.append(entry)
                    mode = receiver.mode
                if mode == "hang":
                    time.sleep(1.5)  # the worker gave up after its 0.5 s timeout
                    self._answer(503)
                elif mode == "fail":
                    self._answer(500)
                else:
                    with receiver.lock:
                        receiver.accepted.append(entry)
                    self._answer(204)

            def _answer(self, status):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the worker stopped waiting

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

        self.server = Server(("127.0.0.1", self.port or 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/seamline"


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


class Clock:
    """The worker's clock, moved by the test."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def notify_app(app):
    app.config.update(NOTIFY_TIMEOUT_SECONDS=0.5, NOTIFY_MAX_ATTEMPTS=12, NOTIFY_BACKOFF_SECONDS=30,
                      NOTIFY_BACKOFF_MAX_SECONDS=3600)
    return app


def _register(admin, url, events=("inspection_finalized", "inspection_failed")):
    response = admin.post("/api/v1/webhooks", json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _deliveries(app, **where):
    with app.app_context():
        stmt = db.select(NotificationDelivery).filter_by(**where).order_by(NotificationDelivery.id)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def _emit(app, kind, **payload):
    with app.app_context():
        event_id = events.emit(kind, {"factory_id": world.FACTORY_A, **payload})
        db.session.commit()
        return str(event_id)


def test_a_receiver_down_for_an_hour_gets_every_event_once_it_is_back(notify_app, login_as, receiver):
    app = notify_app
    admin = login_as("admin")
    endpoint = _register(admin, receiver.url)
    inspector = login_as("inspector_a")
    finalized = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": PASS})
    assert finalized.status_code == 200, finalized.get_json()
    expected = {str(row.event_id) for row in _deliveries(app, channel="webhook")}
    assert len(expected) == 1  # a pass: inspection_finalized only
    expected |= {_emit(app, "inspection_failed", inspection_id=str(uuid.uuid4())) for _ in range(3)}
    expected.add(_emit(app, "inspection_finalized", note="naïve façade ✓"))  # UTF-8 survives signing
    _emit(app, "review_status_changed", note="nobody subscribed")  # not this endpoint's: never sent
    clock = Clock()

    with app.app_context():
        receiver.mode = "fail"
        first = delivery.drain(clock)
        assert (first.delivered, first.retrying, first.given_up) == (0, 5, 0)
        clock.advance(seconds=30)
        receiver.mode = "hang"
        assert delivery.drain(clock).retrying == 5
        receiver.stop()  # down for an hour
        for _ in range(12):
            clock.advance(minutes=5)
            delivery.drain(clock)
        assert receiver.accepted == []
        receiver.mode = "ok"
        receiver.start()  # back, on the same port
        for _ in range(24):
            clock.advance(minutes=10)
            delivery.drain(clock)
        assert delivery.drain(clock).taken == 0

    sent_ids = Counter(json.loads(body)["id"] for _headers, body, _at in receiver.accepted)
    assert set(sent_ids) == expected and set(sent_ids.values()) == {1}, sent_ids
    for headers, body, received_at in receiver.accepted:
        assert verify(endpoint["secret"], headers, body, received_at)
        assert not verify("another secret", headers, body, received_at)
        assert not verify(endpoint["secret"], headers, body, received_at + REPLAY_WINDOW_SECONDS + 60)  # a replay
        document = json.loads(body)
        assert headers["X-Seamline-Event-Id"] == document["id"] and headers["X-Seamline-Event"] == document["event"]
        assert headers["Content-Type"] == "application/json"
    finalize_body = next(json.loads(b) for _h, b, _t in receiver.accepted if "lot_size" in json.loads(b)["data"])
    assert finalize_body["event"] == "inspection_finalized"
    assert finalize_body["data"]["inspection_id"] == str(world.INSPECTION_A)
    assert finalize_body["data"]["verdict"] == "pass" and finalize_body["data"]["content_hash"]

    log = admin.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").get_json()
    assert len(log) == 5 and {d["status"] for d in log} == {"delivered"}
    for entry in log:
        assert entry["response_code"] == 204 and entry["last_error"] is None and entry["delivered_at"]
        attempts = entry["attempt_log"]
        assert entry["attempts"] == len(attempts) >= 4
        assert attempts[0]["response_code"] == 500 and "HTTP 500" in attempts[0]["error"]
        assert "no answer within 0.5 s" in attempts[1]["error"]
        assert "connection failed" in attempts[2]["error"]
        assert attempts[-1]["ok"] is True and not any(a["ok"] for a in attempts[:-1])
        gaps = [(later["at"], earlier["at"]) for earlier, later in zip(attempts, attempts[1:], strict=False)]
        assert all(later > earlier for later, earlier in gaps)
    assert admin.get("/api/v1/webhooks/deliveries?status=pending").get_json() == []


def test_retries_back_off_and_give_up_after_the_configured_attempts(notify_app, login_as, receiver):
    app = notify_app
    app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    _register(login_as("admin"), receiver.url)
    _emit(app, "inspection_failed")
    receiver.mode = "fail"
    clock = Clock()
    start = clock.now
    with app.app_context():
        delivery.drain(clock)
        (row,) = _deliveries(app)
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, start + timedelta(seconds=30))
        clock.advance(seconds=29)
        assert delivery.drain(clock).taken == 0  # not due yet
        clock.advance(seconds=1)
        delivery.drain(clock)
        (row,) = _deliveries(app)
        assert (row.attempts, row.next_attempt_at) == (2, clock.now + timedelta(seconds=60))
        clock.advance(seconds=60)
        assert delivery.drain(clock).given_up == 1
        clock.advance(days=2)
        assert delivery.drain(clock).taken == 0
    (row,) = _deliveries(app)
    assert (row.status, row.attempts, row.response_code) == ("failed", 3, 500)
    assert len(receiver.requests) == 3


def test_several_workers_send_each_delivery_once(notify_app, login_as, receiver):
    app = notify_app
    app.config["NOTIFY_BATCH_SIZE"] = 3
    _register(login_as("admin"), receiver.url)
    expected = {_emit(app, "inspection_failed", n=n) for n in range(24)}
    clock = Clock()
    errors = []
    start = threading.Barrier(3)

    def work():
        try:
            with app.app_context():
                start.wait()
                delivery.drain(clock)
                db.session.remove()
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    sent = Counter(json.loads(body)["id"] for _headers, body, _at in receiver.requests)
    assert set(sent) == expected and set(sent.values()) == {1}, sent
    assert {(row.status, row.attempts) for row in _deliveries(app)} == {("delivered", 1)}


def test_the_outbox_row_is_written_in_the_transaction_of_the_change(notify_app, login_as, receiver):
    app = notify_app
    _register(login_as("admin"), receiver.url)
    inspector = login_as("inspector_a")
    refused = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": FAIL_CRITICAL})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "verdict_mismatch"
    assert _deliveries(app) == []

    with app.app_context():
        with pytest.raises(RuntimeError, match="after the finalize"):
            with changes.recording(None, "api"):
                apply_finalize(db.session.get(Inspection, world.INSPECTION_A), {"verdict": PASS})
                db.session.flush()
                assert db.session.scalar(db.select(db.func.count()).select_from(NotificationDelivery)) == 1
                raise RuntimeError("something after the finalize failed")
        assert db.session.get(Inspection, world.INSPECTION_A).status == "in_progress"
    assert _deliveries(app) == []

    done = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": PASS})
    assert done.status_code == 200
    assert [row.event for row in _deliveries(app)] == ["inspection_finalized"]


def test_a_deactivated_endpoint_gets_nothing_more(notify_app, login_as, receiver):
    app = notify_app
    admin = login_as("admin")
    endpoint = _register(admin, receiver.url)
    _emit(app, "inspection_failed")
    assert admin.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"active": False}).status_code == 200
    _emit(app, "inspection_failed")  # queued for nobody
    with app.app_context():
        assert delivery.drain(Clock()).given_up == 1
    (row,) = _deliveries(app)
    assert row.status == "failed" and "deactivated" in row.last_error and receiver.requests == []


# --- e-mail ---------------------------------------------------------------------------------


class Mailbox:
    """The aiosmtpd handler: keeps every message; refuses mail for refused@example.com."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "refused@example.com":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


def test_emails_reach_the_users_who_chose_them_through_the_worker_command(notify_app, login_as, mailbox):
    import email

    app = notify_app
    box, port = mailbox
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="qc@seamline.example", SMTP_STARTTLS=False)
    for persona, chosen in (("manager", ["inspection_finalized", "inspection_failed"]),
                            ("inspector_a", ["inspection_failed"]),
                            ("inspector_b", ["inspection_finalized", "inspection_failed"]),  # factory B only
                            ("designer", [])):
        assert login_as(persona).put("/api/v1/notification-preferences", json={"events": chosen}).status_code == 200
    inspector = login_as("inspector_a")
    critical = {"inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
                "severity": "critical"}
    assert inspector.post("/api/v1/inspection-defects", json=critical).status_code == 201
    finalized = inspector.post(f"/api/v1/inspections/{world.INSPECTION_A}/finalize", json={"verdict": FAIL_CRITICAL})
    assert finalized.status_code == 200, finalized.get_json()

    result = app.test_cli_runner().invoke(args=["deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert "3 delivered, 0 to retry, 0 given up" in result.output

    received = [(rcpt, email.message_from_string(text)) for _sender, rcpt, text in box.messages]
    assert sorted((tuple(rcpt), message["Subject"]) for rcpt, message in received) == [
        (("inspector-a@example.com",), "[Seamline] Inspection failed"),
        (("manager@example.com",), "[Seamline] Inspection failed"),
        (("manager@example.com",), "[Seamline] Inspection finalized"),
    ]
    for rcpt, message in received:
        assert message["From"] == "qc@seamline.example" and [message["To"]] == rcpt
        assert f"inspection_id: {world.INSPECTION_A}" in message.get_payload()
        assert "verdict: fail" in message.get_payload()
    log = login_as("admin").get("/api/v1/webhooks/deliveries?channel=email").get_json()
    assert len(log) == 3 and {(d["status"], d["response_code"], d["attempts"]) for d in log} == {("delivered", 250, 1)}


def test_a_refused_recipient_is_retried_and_logged_with_the_smtp_code(notify_app, login_as, mailbox):
    app = notify_app
    box, port = mailbox
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="qc@seamline.example", SMTP_STARTTLS=False)
    manager = login_as("manager")
    manager.put("/api/v1/notification-preferences", json={"events": ["inspection_failed"]})
    with app.app_context():
        with changes.recording(None, "cli"):  # the mailbox was removed after the user chose e-mails
            db.session.get(User, world.user_id("manager")).email = "refused@example.com"
    _emit(app, "inspection_failed")
    with app.app_context():
        assert delivery.drain(Clock()).retrying == 1
    (row,) = _deliveries(app, channel="email")
    assert (row.status, row.response_code, row.recipient_email) == ("pending", 550, "refused@example.com")
    assert "recipient refused: 550" in row.last_error and box.messages == []


def test_without_smtp_settings_an_email_attempt_fails_and_says_why(notify_app, login_as):
    app = notify_app
    login_as("manager").put("/api/v1/notification-preferences", json={"events": ["inspection_failed"]})
    _emit(app, "inspection_failed")
    with app.app_context():
        assert delivery.drain(Clock()).retrying == 1
    (row,) = _deliveries(app, channel="email")
    assert row.last_error == "SMTP_HOST and SMTP_FROM must be set to send e-mail."


def test_a_finalize_pushed_by_a_phone_is_announced_once(notify_app, login_as, receiver):
    app = notify_app
    _register(login_as("admin"), receiver.url)
    inspector = login_as("inspector_a")

    def push(mutation_id, verdict):
        body = {"client_id": "notify-device-0123456789", "protocol_version": 1, "schema_version": 1,
                "mutations": [{"id": mutation_id, "entity": "inspection", "op": "finalize",
                               "record_id": str(world.INSPECTION_A), "fields": {"verdict": verdict}}]}
        return inspector.post("/api/v1/sync/push", json=body).get_json()["results"][0]

    assert push(1, FAIL_CRITICAL)["code"] == "verdict_mismatch"
    assert _deliveries(app) == []
    assert push(2, PASS)["status"] == "applied"
    assert push(2, PASS)["status"] in ("applied", "duplicate")  # a retried push is not a second finalize
    assert [row.event for row in _deliveries(app)] == ["inspection_finalized"]
    with app.app_context():
        assert delivery.drain(Clock()).delivered == 1
    assert [json.loads(body)["data"]["inspection_id"] for _h, body, _t in receiver.accepted] == [str(world.INSPECTION_A)]


def test_the_worker_loop_delivers_and_sleeps_when_idle(notify_app, login_as, receiver):
    app = notify_app
    app.config["NOTIFY_WORKER_SLEEP_SECONDS"] = 7
    _register(login_as("admin"), receiver.url)
    _emit(app, "inspection_failed")
    pauses = []

    class Stop(Exception):
        pass

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            raise Stop

    with app.app_context(), pytest.raises(Stop):
        delivery.run_forever(Clock(), sleep=sleep)
    assert pauses == [7, 7] and len(receiver.accepted) == 1


def test_notification_settings_are_read_from_the_environment(monkeypatch):
    from server.config import ConfigError, load_config

    monkeypatch.setenv("SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    monkeypatch.setenv("NOTIFY_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("NOTIFY_TIMEOUT_SECONDS", "2.5")
    config = load_config({"TESTING": True})
    assert (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"]) == ("mail.example.com", 2525, False)
    assert (config["NOTIFY_MAX_ATTEMPTS"], config["NOTIFY_TIMEOUT_SECONDS"]) == (5, 2.5)
    monkeypatch.setenv("SMTP_STARTTLS", "maybe")
    with pytest.raises(ConfigError, match="SMTP_STARTTLS"):
        load_config({"TESTING": True})
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    monkeypatch.setenv("NOTIFY_TIMEOUT_SECONDS", "0")
    with pytest.raises(ConfigError, match="NOTIFY_TIMEOUT_SECONDS"):
        load_config({"TESTING": True})


def test_corrective_actions_are_announced_when_opened_and_once_per_due_date_when_overdue(notify_app, login_as):
    app = notify_app
    _register(login_as("admin"), "http://127.0.0.1:9/unused", events=("corrective_action_opened",
                                                                      "corrective_action_overdue"))
    # The world's action of inspection A was due on 2026-06-01 and is still open: the worker's next round says so.
    with app.app_context():
        assert corrective_actions.announce_overdue() == 1
        assert corrective_actions.announce_overdue() == 0  # once per due date
    (overdue,) = _deliveries(app, event="corrective_action_overdue")
    assert overdue.payload["corrective_action_id"] == str(world.CORRECTIVE_ACTION_A)
    assert overdue.payload["due_date"] == "2026-06-01"
    # A new due date that passes too is announced again.
    moved = login_as("manager").patch(f"/api/v1/corrective-actions/{world.CORRECTIVE_ACTION_A}",
                                      json={"due_date": "2026-07-01"})
    assert moved.status_code == 200, moved.get_json()
    with app.app_context():
        assert corrective_actions.announce_overdue() == 1
    assert [row.payload["due_date"] for row in _deliveries(app, event="corrective_action_overdue")] == [
        "2026-06-01", "2026-07-01"]
    # A critical defect opens inspection B's action, announced in the defect's transaction.
    defect = login_as("inspector_b").post("/api/v1/inspection-defects", json={
        "inspection_id": str(world.INSPECTION_B), "defect_type_id": str(world.DEFECT_TYPE), "severity": "critical"})
    assert defect.status_code == 201, defect.get_json()
    (opened,) = _deliveries(app, event="corrective_action_opened")
    assert opened.payload["inspection_id"] == str(world.INSPECTION_B)
    assert opened.payload["factory_id"] == str(world.FACTORY_B) and opened.payload["status"] == "open"
