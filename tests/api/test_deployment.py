"""The README's deployment steps, run as written, from an empty PostgreSQL database to a working app.

The block after ``<!-- deploy-steps -->`` in README.md runs in bash with two values swapped for local
ones (the database URL and the photo folder); its last line, the server, runs with gunicorn when it is
installed and otherwise with Flask's own server on the same app and environment. Then an admin logs in
through the address a proxy would pass, and the health check answers ok.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "a long deployment password"


def deploy_steps() -> list[str]:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"<!-- deploy-steps -->\n```sh\n(.*?)\n```", readme, re.S)
    assert block, "README.md has no ```sh block after <!-- deploy-steps -->"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, body: dict | None = None, cookie: str | None = None):
    headers = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = cookie
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=30) as answer:
            return answer.status, answer.headers, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"{}")


def _wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server exited:\n{log.read_text()}"
        try:
            urllib.request.urlopen(base + "/api/v1/health", timeout=10).close()
            return
        # Workers still booting: refused, or accepted and answered late (a read timeout is no URLError).
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"the server did not answer within 60 s:\n{log.read_text()}")


def test_the_readme_deployment_steps_take_an_empty_database_to_a_working_app(backend, tmp_path, request):
    if backend != "postgresql":
        pytest.skip("the deployment is on PostgreSQL")
    pg = request.getfixturevalue("pg_server")
    database_url = pg.create_database("deployed").replace("postgresql+psycopg://", "postgresql://")
    local = {"DATABASE_URL": database_url, "PHOTO_DIR": str(tmp_path / "photos")}
    *setup, serve = deploy_steps()
    assert "gunicorn" in serve, "the last step serves the app"
    script = []
    for line in setup:
        name = re.match(r"export (\w+)=", line)
        script.append(f"export {name.group(1)}={local[name.group(1)]}" if name and name.group(1) in local else line)
    env_file = tmp_path / "environment"
    script.append(f"env -0 > {env_file}")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SEAMLINE_", "DB_", "PG"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    ran = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(script)], cwd=REPO, env=env,
                         input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, text=True, timeout=300,
                         start_new_session=True)  # no terminal: create-user reads the password from stdin
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "created admin admin@example.com" in ran.stdout
    deployed = dict(item.split("=", 1) for item in env_file.read_text().split("\0") if "=" in item)
    assert deployed["SEAMLINE_ENV"] == "production" and len(deployed["SECRET_KEY"]) == 64

    port = _free_port()
    assignments = dict(re.findall(r"(\w+)=(\S+)", serve.split("gunicorn")[0]))
    if shutil.which("gunicorn", path=str(BIN)):
        command = re.sub(r"--bind \S+", f"--bind 127.0.0.1:{port}", serve.split("gunicorn", 1)[1])
        command = f"gunicorn {command}"
    else:  # gunicorn is not a test dependency: Flask's server runs the same app with the same environment
        print("gunicorn is not installed here: serving with flask run")
        command = f"flask --app server run --host 127.0.0.1 --port {port}"
    log = tmp_path / "server.log"
    with open(log, "w") as output:
        server = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=REPO, env={**deployed, **assignments},
                                  stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, server, log)
        status, headers, body = _request(base + "/api/v1/auth/login",
                                         {"email": "admin@example.com", "password": PASSWORD})
        assert status == 200, body
        session_cookie = headers["Set-Cookie"].split(";", 1)[0]
        assert "Secure" in headers["Set-Cookie"]  # production: the cookie only travels over HTTPS
        status, _headers, me = _request(base + "/api/v1/auth/me", cookie=session_cookie)
        assert status == 200 and me["user"]["email"] == "admin@example.com" and me["role"] == "admin", me
        status, _headers, health = _request(base + "/api/v1/health")
        assert status == 200 and health["status"] == "ok" and health["database"] == "postgresql", health
        assert health["migrations_at_head"] is True
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        pg.drop_database("deployed")
