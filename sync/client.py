"""A Python client of the Seamline sync protocol (see PROTOCOL.md).

Used by the tests, the benchmarks, and factories that push data from their own
systems::

    c = SyncClient("http://127.0.0.1:5000", "inspector@example.com", "password", state_path="client.db")
    rid = c.upsert("inspection", {...})   # written to the local outbox first
    c.sync()                              # push the outbox, then pull until has_more is false
    c.records("inspection")               # the local replica

Its outbox and replica live in one SQLite file and every change is one local
transaction, so a client killed at any point resumes with nothing lost or
duplicated; many changes made together (an import from a factory's system) share
one transaction with ``upsert_many`` or ``with c.burst(): ...``. The outbox is
read and acknowledged by ranges of mutation id past a stored "acknowledged
through" id, so a sync costs the same whatever the journal holds, and
acknowledged mutations are pruned after the retention of PROTOCOL.md 6.3.
Request bodies go gzipped and answers come back gzipped. Pure Python: the
standard library only.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.cookiejar
import json
import secrets
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sync import PROTOCOL_VERSION, SCHEMA_VERSION

PUSH_BATCH = 2000  # the protocol allows 5,000 (PROTOCOL.md 2.9); 2,000 keeps one answer under a few seconds on 2G
PULL_LIMIT = 500
# Bodies smaller than this gain nothing from gzip.
GZIP_MIN_BYTES = 1024
# Acknowledged mutations are kept this long (PROTOCOL.md 6.3: how far back a server restored from a backup may
# ask for them again), and the newest JOURNAL_KEEP_AT_LEAST of them however old, for a phone that is rarely used.
JOURNAL_RETENTION_SECONDS = 30 * 24 * 3600
JOURNAL_KEEP_AT_LEAST = 1000

# (method, url, headers, body bytes or None) -> (status, headers, body bytes). Raises OSError on network failure.
Transport = Callable[[str, str, dict, bytes | None], tuple[int, dict, bytes]]


class SyncError(Exception):
    """The server refused a request for a reason retrying will not fix (a 4xx)."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


class NetworkError(Exception):
    """Retries ran out on network errors or 5xx answers; nothing is lost, try again later."""


def urllib_transport(timeout: float = 30.0) -> Transport:
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))

    def send(method, url, headers, body):
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    return send


@dataclass
class Backoff:
    attempts: int = 6
    first_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delays(self):
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            yield delay
            delay = min(delay * 2, self.max_delay)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,            -- the mutation id: 1, 2, 3, ... never reused
    entity TEXT NOT NULL, op TEXT NOT NULL, record_id TEXT NOT NULL,
    fields TEXT NOT NULL, base_version INTEGER,
    acked INTEGER NOT NULL DEFAULT 0,  -- kept after acknowledgement, to re-push after a server restore
    acked_at REAL                      -- when acknowledged (unix time): pruned past the retention
);
CREATE TABLE IF NOT EXISTS replica (
    entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL,
    fields TEXT NOT NULL, PRIMARY KEY (entity, id)
);
CREATE TABLE IF NOT EXISTS rejections (mutation_id INTEGER PRIMARY KEY, entity TEXT, record_id TEXT,
    code TEXT, message TEXT, fields TEXT);
CREATE TABLE IF NOT EXISTS conflicts (id TEXT PRIMARY KEY, mutation_id INTEGER, field TEXT);
CREATE TABLE IF NOT EXISTS photos (
    sha256 TEXT PRIMARY KEY, data BLOB NOT NULL,   -- a copy: the photo survives its file being deleted
    state TEXT NOT NULL DEFAULT 'waiting',         -- waiting, uploaded, refused
    error TEXT
);
"""

PHOTO_CHUNK = 256 * 1024


class SyncClient:
    def __init__(self, base_url: str, email: str | None = None, password: str | None = None, *,
                 token: str | None = None, state_path: str = "seamline-client.db",
                 transport: Transport | None = None, backoff: Backoff | None = None,
                 clock: Callable[[], float] = time.time):
        self.base_url = base_url.rstrip("/")
        self.email, self.password, self.token = email, password, token
        self.transport = transport or urllib_transport()
        self.backoff = backoff or Backoff()
        self.clock = clock  # unix time; decides only when acknowledged mutations are pruned
        self.csrf: str | None = None
        self.db = sqlite3.connect(state_path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")  # an acknowledged local write survives a power cut
        self.db.executescript(_SCHEMA)
        self._in_burst = False
        if self._meta("client_id") is None:
            with self._tx():
                self._set_meta("client_id", "py-" + secrets.token_urlsafe(24))
                self._set_meta("next_mutation_id", "1")
        self._upgrade_state_file()

    def _upgrade_state_file(self) -> None:
        """State files written before the journal was read by ranges: add the acknowledgement time and
        the "acknowledged through" id (one last scan of the outbox, once per file)."""
        with self._tx():
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(outbox)")}
            if "acked_at" not in columns:
                self.db.execute("ALTER TABLE outbox ADD COLUMN acked_at REAL")
                self.db.execute("UPDATE outbox SET acked_at = ? WHERE acked = 1", (self.clock(),))
            self.db.execute("CREATE INDEX IF NOT EXISTS outbox_acked_at ON outbox (acked_at)")
            if self._meta("acked_through") is None:
                last = self.db.execute("SELECT coalesce(max(id), 0) FROM outbox WHERE acked = 1").fetchone()[0]
                self._set_meta("acked_through", str(last))

    # --- local writes --------------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        return self._meta("client_id")

    def upsert(self, entity: str, fields: dict, record_id: str | uuid.UUID | None = None) -> str:
        """Record a create or change locally; returns the record's UUID."""
        record_id = str(record_id or fields.get("id") or uuid.uuid4())
        fields = {k: v for k, v in fields.items() if k != "id"}
        with self._tx():
            row = self.db.execute("SELECT version FROM replica WHERE entity = ? AND id = ?",
                                  (entity, record_id)).fetchone()
            self._enqueue(entity, "upsert", record_id, fields, row[0] if row else None)
        return record_id

    def upsert_many(self, entity: str, records: list[dict]) -> list[str]:
        """Record many creates or changes in one local transaction (all or none); returns their UUIDs."""
        with self.burst():
            return [self.upsert(entity, fields) for fields in records]

    def burst(self):
        """Changes made inside ``with client.burst():`` share one local transaction: a failure anywhere
        inside records none of them. One commit (one fsync) instead of one per change."""
        return _Burst(self)

    def delete(self, entity: str, record_id: str | uuid.UUID) -> None:
        with self._tx():
            row = self.db.execute("SELECT version FROM replica WHERE entity = ? AND id = ?",
                                  (entity, str(record_id))).fetchone()
            self._enqueue(entity, "delete", str(record_id), {}, row[0] if row else None)

    def finalize(self, inspection_id: str | uuid.UUID, verdict: dict, **fields) -> None:
        """Record the finalize operation: ``verdict`` is the one shown, per class and overall
        ({"critical": "pass", ..., "overall": "pass"}); the server recomputes it and refuses a mismatch.
        ``fields`` may carry disposition, finished_at and finish_location."""
        with self._tx():
            row = self.db.execute("SELECT version FROM replica WHERE entity = 'inspection' AND id = ?",
                                  (str(inspection_id),)).fetchone()
            self._enqueue("inspection", "finalize", str(inspection_id), {"verdict": verdict, **fields},
                          row[0] if row else None)

    def _enqueue(self, entity, op, record_id, fields, base_version) -> None:
        mutation_id = int(self._meta("next_mutation_id"))
        self.db.execute("INSERT INTO outbox (id, entity, op, record_id, fields, base_version) VALUES (?,?,?,?,?,?)",
                        (mutation_id, entity, op, record_id, json.dumps(fields, default=str), base_version))
        self._set_meta("next_mutation_id", str(mutation_id + 1))

    def put_photo(self, path: str, belongs_to: dict, kind: str = "defect", caption: str | None = None) -> str:
        """Keep a photo for upload and record it; ``belongs_to`` is e.g. {"defect_id": ...}. Returns its sha256."""
        with open(path, "rb") as photo_file:
            data = photo_file.read()
        sha256 = hashlib.sha256(data).hexdigest()
        with self._tx():
            self.db.execute("INSERT OR IGNORE INTO photos (sha256, data) VALUES (?, ?)", (sha256, data))
            self._enqueue("photo", "upsert", str(uuid.uuid4()),
                          {"sha256": sha256, "kind": kind, "caption": caption, **belongs_to}, None)
        return sha256

    # --- reading the replica ------------------------------------------------------------------

    def records(self, entity: str) -> dict[str, dict]:
        """The replica as the user sees it: the server's state with unsent changes on top."""
        result = {rid: json.loads(f) for rid, f, deleted in self.db.execute(
            "SELECT id, fields, deleted FROM replica WHERE entity = ?", (entity,)) if not deleted}
        for op, rid, fields in self.db.execute(
                "SELECT op, record_id, fields FROM outbox WHERE id > ? AND entity = ? ORDER BY id",
                (self._acked_through(), entity)):
            if op == "delete":
                result.pop(rid, None)
            elif op == "upsert":
                result[rid] = {**result.get(rid, {"id": rid}), **json.loads(fields)}
        return result

    def pending(self) -> int:
        """Mutations not yet acknowledged, plus photos whose bytes the server does not hold yet."""
        mutations = self.db.execute("SELECT count(*) FROM outbox WHERE id > ?", (self._acked_through(),)).fetchone()[0]
        return mutations + self.db.execute("SELECT count(*) FROM photos WHERE state = 'waiting'").fetchone()[0]

    def pending_photo_bytes(self) -> int:
        return self.db.execute("SELECT coalesce(sum(length(data)), 0) FROM photos WHERE state = 'waiting'").fetchone()[0]

    def photo_errors(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT sha256, error FROM photos WHERE state = 'refused'"))

    def rejections(self) -> list[dict]:
        return [{"mutation_id": m, "entity": e, "record_id": r, "code": c, "message": msg, "fields": json.loads(f)}
                for m, e, r, c, msg, f in self.db.execute("SELECT * FROM rejections ORDER BY mutation_id")]

    def conflicts(self) -> list[dict]:
        return [{"id": i, "mutation_id": m, "field": f}
                for i, m, f in self.db.execute("SELECT * FROM conflicts ORDER BY mutation_id")]

    # --- sync --------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Push the outbox, then pull until the server has nothing more.

        If the pull shows the server lost acknowledged mutations (a restore from
        backup), they are pushed again and the pull repeated. Rejections and
        conflicts are then read back from the server, so that none is lost with
        a lost answer and a conflict resolved elsewhere is forgotten.
        """
        self.push()
        self.upload_photos()
        if self.pull():
            self.push()
            self.pull()
        self.refresh_issues()

    def refresh_issues(self) -> None:
        """Replace the local rejections and conflicts with the server's lists (PROTOCOL.md 2.10, 5.3)."""
        refused = self._request("GET", f"/api/v1/sync/rejections?client_id={self.client_id}")
        open_conflicts = self._request("GET", "/api/v1/sync/conflicts")
        with self._tx():
            self.db.execute("DELETE FROM rejections")
            for r in refused:
                self.db.execute("INSERT INTO rejections VALUES (?,?,?,?,?,?)",
                                (r["mutation_id"], r["entity"], r["record_id"], r["code"], r["message"],
                                 json.dumps(r.get("details") or {})))
            self.db.execute("DELETE FROM conflicts")
            for c in open_conflicts:
                if c["client_id"] == self.client_id:
                    self.db.execute("INSERT INTO conflicts VALUES (?,?,?)", (c["id"], c["mutation_id"], c["field"]))

    def push(self) -> None:
        while True:
            # The unsent mutations are those past the acknowledged id: a range of the primary key.
            rows = self.db.execute("SELECT id, entity, op, record_id, fields, base_version FROM outbox "
                                   "WHERE id > ? ORDER BY id LIMIT ?", (self._acked_through(), PUSH_BATCH)).fetchall()
            if not rows:
                return
            body = {"client_id": self.client_id, "protocol_version": PROTOCOL_VERSION,
                    "schema_version": SCHEMA_VERSION,
                    "mutations": [{"id": i, "entity": e, "op": op, "record_id": r, "fields": json.loads(f),
                                   "base_version": b} for i, e, op, r, f, b in rows]}
            try:
                answer = self._request("POST", "/api/v1/sync/push", body)
            except SyncError as error:
                if error.code == "mutation_gap":
                    with self._tx():
                        self._rewind(error.fields["expected"])
                    continue
                raise
            self._acknowledge(answer)

    def _acknowledge(self, answer: dict) -> None:
        with self._tx():
            self._note_database(answer["database_id"])
            for result in answer["results"]:
                if result["status"] == "duplicate":
                    # Handled by an earlier push whose answer was lost: its outcome still counts.
                    result = {"id": result["id"], **(result.get("outcome") or {"status": "applied"})}
                if result["status"] == "rejected":
                    row = self.db.execute("SELECT entity, record_id FROM outbox WHERE id = ?", (result["id"],)).fetchone()
                    self.db.execute("INSERT OR REPLACE INTO rejections VALUES (?,?,?,?,?,?)",
                                    (result["id"], row[0], row[1], result["code"], result["message"],
                                     json.dumps(result.get("fields") or {})))
                for conflict in result.get("conflicts", []):
                    self.db.execute("INSERT OR REPLACE INTO conflicts VALUES (?,?,?)",
                                    (conflict["id"], result["id"], conflict["field"]))
                if result["status"] == "applied":
                    self._keep_applied(result["id"], result.get("version"), result.get("derived") or {})
            last, through = answer["last_mutation_id"], self._acked_through()
            if last < through:
                # The server lost mutations it had acknowledged (restored from a backup): send them again.
                self._rewind(last + 1)
            else:
                now = self.clock()
                self.db.execute("UPDATE outbox SET acked = 1, acked_at = ? WHERE id > ? AND id <= ?",
                                (now, through, last))
                self._set_meta("acked_through", str(last))
                self._prune_journal(now)

    def _keep_applied(self, mutation_id: int, version: int | None, derived: dict) -> None:
        """An applied upsert goes into the replica as sent, with what the server derived (PROTOCOL.md 2.11): the
        server does not send it back when it stored it so (3.7), and sends its own copy when it did not."""
        row = self.db.execute("SELECT entity, op, record_id, fields FROM outbox WHERE id = ?", (mutation_id,)).fetchone()
        if row is None or row[1] != "upsert":
            return
        entity, _op, record_id, sent = row
        held = self.db.execute("SELECT version, fields FROM replica WHERE entity = ? AND id = ?",
                               (entity, record_id)).fetchone()
        fields = {**(json.loads(held[1]) if held else {"id": record_id}), **json.loads(sent), **derived}
        self.db.execute("INSERT OR REPLACE INTO replica VALUES (?,?,?,0,?)",
                        (entity, record_id, version if version is not None else (held[0] if held else 0),
                         json.dumps(fields)))

    def _prune_journal(self, now: float) -> None:
        """Forget acknowledged mutations past the retention (PROTOCOL.md 6.3), keeping the newest
        JOURNAL_KEEP_AT_LEAST. Mutations are acknowledged in id order, so what goes is a prefix of ids;
        the acked_at index finds it without reading the rest."""
        self.db.execute("DELETE FROM outbox INDEXED BY outbox_acked_at WHERE acked_at < ? AND id <= ?",
                        (now - JOURNAL_RETENTION_SECONDS, self._acked_through() - JOURNAL_KEEP_AT_LEAST))

    def _rewind(self, first_missing: int) -> None:
        """Mark mutations from ``first_missing`` on as unsent again (the server asks for them). Call inside
        a transaction. A mutation pruned from the journal cannot be sent again: that is an error, not a loop."""
        kept = self.db.execute("SELECT min(id) FROM outbox WHERE id >= ?", (first_missing,)).fetchone()[0]
        if first_missing < int(self._meta("next_mutation_id")) and kept != first_missing:
            raise SyncError(409, "journal_pruned",
                            f"The server asks again for mutation {first_missing}, which this client no longer keeps "
                            f"(it was restored from a backup older than the journal's retention).",
                            {"expected": first_missing})
        self.db.execute("UPDATE outbox SET acked = 0, acked_at = NULL WHERE id >= ?", (first_missing,))
        self._set_meta("acked_through", str(min(self._acked_through(), first_missing - 1)))

    def _acked_through(self) -> int:
        """Every mutation up to this id is acknowledged, none after it: kept in meta, read in O(1)."""
        return int(self._meta("acked_through") or 0)

    def upload_photos(self) -> None:
        """Upload each waiting photo on its own, resuming where the server's copy stops."""
        for (sha256,) in self.db.execute("SELECT sha256 FROM photos WHERE state = 'waiting'").fetchall():
            data = self.db.execute("SELECT data FROM photos WHERE sha256 = ?", (sha256,)).fetchone()[0]
            try:
                self._upload(sha256, data)
                state, error = "uploaded", None
            except SyncError as refused:
                if refused.status in (401, 403, 404):
                    raise
                if refused.status == 429:
                    continue  # too much in flight for now (PROTOCOL 7): the photo waits for the next sync
                state, error = "refused", f"{refused.code}: {refused.message}"
            with self._tx():
                self.db.execute("UPDATE photos SET state = ?, error = ? WHERE sha256 = ?", (state, error, sha256))

    def _upload(self, sha256: str, data: bytes) -> None:
        path = f"/api/v1/photos/{sha256}"
        status, headers, _ = self._exchange("HEAD", path)
        offset = int(_header(headers, "Upload-Offset")) if status == 200 else 0
        while offset < len(data):
            chunk = data[offset:offset + PHOTO_CHUNK]
            status, headers, raw = self._exchange("PATCH", path, chunk, {
                "Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset),
                "Upload-Length": str(len(data))})
            if status == 409 and _header(headers, "Upload-Offset") is not None:
                offset = int(_header(headers, "Upload-Offset"))  # resume where the server really is
                continue
            if status >= 400:
                raise _error(status, raw)
            offset = int(_header(headers, "Upload-Offset"))

    def pull(self) -> bool:
        """Pull until has_more is false. True when the server turned out to lack acknowledged mutations."""
        rewound = False
        while True:
            cursor = self._meta("cursor")
            query = f"client_id={self.client_id}&limit={PULL_LIMIT}" + (f"&cursor={cursor}" if cursor else "")
            # It holds its own acknowledged writes, unless it is rebuilding its replica from nothing (3.7).
            query += "" if self._meta("rebuilding") else "&skip_echoes=true"
            answer = self._request("GET", "/api/v1/sync/pull?" + query)
            with self._tx():
                if self._note_database(answer["database_id"]) or answer["reset"]:
                    # Rebuild the replica from the beginning; the outbox is never touched.
                    self.db.execute("DELETE FROM replica")
                    self._set_meta("cursor", None)
                    self._set_meta("rebuilding", "1")
                    continue  # from the beginning, its own records included
                for change in answer["changes"]:
                    self.db.execute("INSERT OR REPLACE INTO replica VALUES (?,?,?,?,?)",
                                    (change["entity"], change["id"], change["version"], int(change["deleted"]),
                                     json.dumps(change["fields"])))
                self._set_meta("cursor", answer["cursor"])
                if answer["last_mutation_id"] < self._acked_through():
                    self._rewind(answer["last_mutation_id"] + 1)
                    rewound = True
                if not answer["has_more"]:
                    self._set_meta("rebuilding", None)
            if not answer["has_more"]:
                return rewound

    def _note_database(self, database_id: str) -> bool:
        """Remember the server's database id; True when it changed (a restore): the replica is stale."""
        known = self._meta("database_id")
        self._set_meta("database_id", database_id)
        return known is not None and known != database_id

    # --- HTTP ----------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        """A JSON request; a 4xx answer raises SyncError."""
        data = json.dumps(body, default=str).encode() if body is not None else None
        extra = {"Content-Type": "application/json"} if body is not None else {}
        if data is not None and len(data) >= GZIP_MIN_BYTES:
            data = gzip.compress(data, compresslevel=6, mtime=0)  # PROTOCOL.md 2.9
            extra["Content-Encoding"] = "gzip"
        status, _headers, raw = self._exchange(method, path, data, extra)
        if status >= 400:
            raise _error(status, raw)
        return json.loads(raw or b"{}")

    def _exchange(self, method: str, path: str, data: bytes | None = None, extra: dict | None = None):
        """Send with retries: network errors and 5xx back off and retry; a 401 logs in again once."""
        logged_in = False
        for delay in [*self.backoff.delays(), None]:
            try:
                status, headers, raw = self._send(method, path, data, extra or {})
                if (_header(headers, "Content-Encoding") or "").lower() == "gzip":
                    raw = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error):  # a mangled gzip answer is a network failure too
                status, headers, raw = None, {}, b""
            if status == 401 and not logged_in and path != "/api/v1/auth/login" and (self.email or self.token):
                self._login()
                logged_in = True
                continue
            if status is not None and status < 500:
                return status, headers, raw
            if delay is None:
                break
            self.backoff.sleep(delay)
        raise NetworkError(f"{method} {path}: no answer after {self.backoff.attempts} attempts")

    def _send(self, method, path, data, extra):
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip", **extra}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        return self.transport(method, self.base_url + path, headers, data)

    def _login(self) -> None:
        if self.token:
            raise SyncError(401, "invalid_token", "The API token is unknown or revoked.")
        answer = self._request("POST", "/api/v1/auth/login", {"email": self.email, "password": self.password})
        self.csrf = answer["csrf_token"]

    # --- local state ---------------------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _tx(self):
        # Inside a burst, every change joins the burst's transaction.
        return contextlib.nullcontext() if self._in_burst else _Transaction(self.db)

    def close(self) -> None:
        self.db.close()


def _header(headers: dict, name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _error(status: int, raw: bytes) -> SyncError:
    try:
        error = json.loads(raw or b"{}").get("error", {})
    except ValueError:
        error = {}
    return SyncError(status, error.get("code", "error"), error.get("message", ""), error.get("fields"))


class _Burst:
    def __init__(self, client: SyncClient):
        self.client = client
        self.transaction = None

    def __enter__(self):
        if self.client._in_burst:
            raise RuntimeError("A burst is already open on this client.")
        self.transaction = _Transaction(self.client.db)
        self.transaction.__enter__()
        self.client._in_burst = True
        return self.client

    def __exit__(self, exc_type, *rest):
        self.client._in_burst = False
        return self.transaction.__exit__(exc_type, *rest)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error: one local change is all or nothing."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self):
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_):
        self.connection.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
