"""nginx with the repository's deploy/nginx.conf in front of gunicorn (README, "Deployment").

The site file is used as operators install it (included in nginx's `http` block, like
/etc/nginx/sites-enabled/), with only what differs on a test machine replaced: the app's address, the
ports (free ones on 127.0.0.1 instead of 80 and 443 on every address) and the certificate (a fresh
self-signed one for qc.example.com). nginx runs as a foreground master with its pid, logs and temporary
files in the test's folder. The client connects from 127.0.0.2, so the address the app records tells
the client's socket (right), nginx's 127.0.0.1 and an address the client forged apart.

Without nginx (or openssl, for the certificate) the tests are skipped, except on CI (the `CI`
variable), where they fail.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import gunicornserver
import pytest
import world
from PIL import Image

import sync.client
from server.config import Defaults
from server.services import photos as photo_service

REPO = Path(__file__).resolve().parents[2]
SITE_FILE = REPO / "deploy" / "nginx.conf"
SERVER_NAME = "qc.example.com"  # the file's server_name, and the Host browsers send
CLIENT_ADDRESS = "127.0.0.2"  # the test client's own address; nginx itself reaches gunicorn from 127.0.0.1
FORGED_ADDRESS = "203.0.113.7"  # what the client claims in its own X-Forwarded-For
TRUSTED_PROXY_HOPS = 1  # the file's own comment: the app believes the one entry this nginx appends
HSTS = "max-age=31536000"
MiB = 1024 * 1024


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None)


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    nginx = find_nginx()
    missing = [name for name, found in (("nginx", nginx), ("openssl", shutil.which("openssl"))) if not found]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{' and '.join(missing)} not installed, and CI must test deploy/nginx.conf")
        pytest.skip(f"{' and '.join(missing)} not installed (apt-get install nginx-light openssl)")
    return nginx


@dataclass
class Stack:
    https_port: int
    http_port: int
    tls: ssl.SSLContext
    cert: Path
    database: Path
    gunicorn_log: Path

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, body) of one request to nginx over TLS, from CLIENT_ADDRESS."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=self.tls, timeout=60,
                                                 source_address=(CLIENT_ADDRESS, 0))
        try:
            connection.request(method, path, body=body, headers={"Host": SERVER_NAME, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def app_saw(self, request_line: str) -> int:
        """How many requests with this request line ("GET /sw.js") gunicorn's access log holds."""
        return self.gunicorn_log.read_text().count(f'"{request_line} HTTP/1.1"')

    def wait_app_saw(self, request_line: str, count: int) -> int:
        """The count once it reaches ``count`` (gunicorn logs a request just after answering it), or after 10 s."""
        deadline = time.monotonic() + 10
        while self.app_saw(request_line) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.app_saw(request_line)


def render_site(app_address: str, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with the machine-specific lines replaced; each must be there exactly once."""
    text = SITE_FILE.read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server {app_address};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        f"/etc/letsencrypt/live/{SERVER_NAME}/fullchain.pem": str(cert),
        f"/etc/letsencrypt/live/{SERVER_NAME}/privkey.pem": str(key),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has exactly one {old!r}: update this test"
        text = text.replace(old, new)
    return text


def _main_config(folder: Path, site: Path) -> str:
    """What /etc/nginx/nginx.conf is to the site file, with every path in ``folder``."""
    temp_paths = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in
                           ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root, workers would switch to "nobody", who cannot write the test's private folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} notice;\n"
            "events { worker_connections 64; }\n"
            f"http {{\n    access_log {folder / 'access.log'};\n{temp_paths}\n    include {site};\n}}\n")


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", f"/CN={SERVER_NAME}",
                    "-addext", f"subjectAltName=DNS:{SERVER_NAME},IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _wait_until_listening(port: int, nginx: subprocess.Popen, error_log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if nginx.poll() is not None:
            log = error_log.read_text() if error_log.exists() else ""
            raise RuntimeError(f"nginx exited with {nginx.returncode}:\n{log[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen within 30 s:\n{error_log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def stack(nginx_binary, templates, tmp_path_factory):
    """gunicorn serving a SQLite world database, behind nginx running deploy/nginx.conf."""
    folder = tmp_path_factory.mktemp("nginx")
    database_url = templates.copy("sqlite", "world")
    gunicorn_log = folder / "gunicorn.log"
    env = {"SEAMLINE_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": database_url,
           "PHOTO_DIR": str(folder / "photos"), "TRUSTED_PROXY_HOPS": str(TRUSTED_PROXY_HOPS)}
    with gunicornserver.serve(env, workers=2, log_path=gunicorn_log) as app_url:
        cert, key = _self_signed_certificate(folder)
        http_port, https_port = gunicornserver.free_port(), gunicornserver.free_port()
        site = folder / "seamline.conf"
        site.write_text(render_site(app_url.removeprefix("http://"), http_port, https_port, cert, key))
        main = folder / "nginx.conf"
        main.write_text(_main_config(folder, site))
        error_log = folder / "error.log"
        with open(folder / "nginx.out", "wb") as out:
            nginx = subprocess.Popen([nginx_binary, "-p", f"{folder}/", "-c", str(main), "-e", str(error_log)],
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_until_listening(https_port, nginx, error_log)
            yield Stack(https_port, http_port, ssl.create_default_context(cafile=str(cert)), cert,
                        Path(database_url.removeprefix("sqlite:///")), gunicorn_log)
            assert "[emerg]" not in error_log.read_text() and "[crit]" not in error_log.read_text()
        finally:
            nginx.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight, then stop
            try:
                nginx.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(nginx.pid, signal.SIGKILL)
                nginx.wait()


def _shell_urls() -> list[str]:
    """The app shell: index.html, a module, the stylesheet, the manifest and an npm library."""
    return ["/", "/js/app.js", "/css/app.css", "/manifest.webmanifest", "/vendor/idb/index.js"]


def test_plain_http_only_redirects_to_https(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=30)
    try:
        connection.request("GET", "/inspections?factory=a", headers={"Host": SERVER_NAME})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 301
    assert response.headers["Location"] == f"https://{SERVER_NAME}/inspections?factory=a"
    assert stack.app_saw("GET /inspections?factory=a") == 0


def test_the_app_shell_is_revalidated_on_every_load(stack):
    for url in _shell_urls():
        status, headers, body = stack.request("GET", url)
        assert status == 200 and body, url
        assert headers["Cache-Control"] == "no-cache", url
        assert headers["Strict-Transport-Security"] == HSTS, url
        assert headers["ETag"], url
        # Unchanged: the browser keeps its copy (304), and asks again at the next load.
        status, headers, body = stack.request("GET", url, headers={"If-None-Match": headers["ETag"]})
        assert (status, body) == (304, b""), url
        assert headers["Cache-Control"] == "no-cache", url
    status, headers, _ = stack.request("GET", "/")
    assert headers["Content-Type"].startswith("text/html") and "default-src 'self'" in headers[
        "Content-Security-Policy"]


def test_the_service_worker_is_never_cached(stack):
    seen = stack.app_saw("GET /sw.js")
    for _ in range(2):
        status, headers, body = stack.request("GET", "/sw.js")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
        assert headers["Strict-Transport-Security"] == HSTS
        assert b"__SHELL_VERSION__" not in body
    assert stack.wait_app_saw("GET /sw.js", seen + 2) == seen + 2  # both went to the app: nginx kept no copy


def test_api_answers_pass_through_uncached(stack):
    seen = stack.app_saw("GET /api/v1/health")
    for _ in range(2):
        status, headers, body = stack.request("GET", "/api/v1/health")
        assert status == 200 and headers["Strict-Transport-Security"] == HSTS
        health = json.loads(body)
        assert (health["status"], health["database"], health["migrations_at_head"]) == ("ok", "sqlite", True)
    assert stack.wait_app_saw("GET /api/v1/health", seen + 2) == seen + 2

    # An error answer is the app's own JSON, not an nginx page.
    status, headers, body = stack.request("GET", "/api/v1/no-such-thing")
    assert (status, json.loads(body)["error"]["code"]) == (404, "not_found")


def test_the_app_records_the_address_the_trusted_hops_imply(stack):
    email = world.PERSONAS["inspector_a"][0]
    status, _headers, body = stack.request(
        "POST", "/api/v1/auth/login", json.dumps({"email": email, "password": world.PASSWORD}).encode(),
        {"Content-Type": "application/json", "X-Forwarded-For": FORGED_ADDRESS, "User-Agent": "nginx-test"})
    assert status == 200, body
    assert f"TRUSTED_PROXY_HOPS={TRUSTED_PROXY_HOPS}" in SITE_FILE.read_text()  # what the file tells operators
    # nginx appends the address of the socket it accepted; the app believes the last TRUSTED_PROXY_HOPS entries.
    forwarded_for = [FORGED_ADDRESS, CLIENT_ADDRESS]
    expected = forwarded_for[-TRUSTED_PROXY_HOPS]
    with sqlite3.connect(stack.database) as database:
        recorded = database.execute("SELECT remote_addr FROM user_sessions WHERE user_agent = 'nginx-test'").fetchall()
    assert recorded == [(expected,)] and expected == CLIENT_ADDRESS


def test_bodies_up_to_the_apps_limits_reach_it(stack, tmp_path, monkeypatch):
    import_limit = Defaults().import_max_bytes
    assert f"client_max_body_size {import_limit // MiB}m;" in SITE_FILE.read_text()

    # A body nginx's default limit (1 MiB) would refuse reaches the app, which answers with its own JSON.
    phone = _phone(stack, tmp_path, monkeypatch)
    phone._login()
    not_an_export = json.dumps({"format": "something else", "padding": "x" * (2 * MiB)}).encode()
    status, _headers, raw = phone._exchange("POST", "/api/v1/sync/import", not_an_export,
                                            {"Content-Type": "application/json"})
    assert (status, json.loads(raw)["error"]["code"]) == (400, "not_an_export")

    # A photo uploads in chunks of the largest size the app takes, and comes back with its own cache headers.
    monkeypatch.setattr(sync.client, "PHOTO_CHUNK", photo_service.MAX_CHUNK)
    photo = tmp_path / "defect.jpg"
    Image.effect_noise((1500, 1100), 60).convert("RGB").save(photo, "JPEG", quality=95)  # 1.5 MB: two chunks
    assert photo.stat().st_size > photo_service.MAX_CHUNK
    defect = phone.upsert("inspection_defect", {
        "inspection_id": str(world.INSPECTION_A), "defect_type_id": str(world.DEFECT_TYPE),
        "severity": "minor", "note": "through nginx"})
    sha256 = phone.put_photo(str(photo), {"defect_id": defect})
    phone.sync()
    assert phone.pending() == 0 and phone.photo_errors() == {} and phone.rejections() == []
    status, headers, raw = phone._exchange("GET", f"/api/v1/photos/{sha256}?size=original")
    assert status == 200 and Image.open(io.BytesIO(raw)).size == (1500, 1100)
    assert _header(headers, "Cache-Control") == "private, max-age=31536000, immutable"
    phone.close()

    # Past the import limit nginx refuses at once, on the declared length alone; up to it, the app decides.
    assert _declared_length_answer(stack, import_limit + 1) == 413
    assert _declared_length_answer(stack, import_limit) == 401  # the app's: no session, so no reading the body


def _phone(stack: Stack, tmp_path: Path, monkeypatch) -> sync.client.SyncClient:
    monkeypatch.setenv("SSL_CERT_FILE", str(stack.cert))  # urllib's HTTPS trusts the test's certificate
    return sync.client.SyncClient(
        f"https://127.0.0.1:{stack.https_port}", world.PERSONAS["inspector_a"][0], world.PASSWORD,
        state_path=str(tmp_path / "phone.db"), transport=sync.client.urllib_transport(timeout=60),
        backoff=sync.client.Backoff(attempts=1))


def _header(headers: dict, name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def _declared_length_answer(stack: Stack, length: int) -> int:
    """The status of an import that declares ``length`` bytes and sends none: whoever answers answers early."""
    connection = http.client.HTTPSConnection("127.0.0.1", stack.https_port, context=stack.tls, timeout=60)
    try:
        connection.putrequest("POST", "/api/v1/sync/import", skip_host=True)
        connection.putheader("Host", SERVER_NAME)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
