"""Throwaway PostgreSQL server for the test suite.

Usage::

    from pgserver import PostgresServer, find_pg_bindir

    with PostgresServer() as pg:
        engine = sqlalchemy.create_engine(pg.url)
        other_url = pg.create_database("test_module_x")
        ...

The cluster lives in a fresh temporary directory, listens on a free port on
127.0.0.1 only (plus a Unix socket inside the temp directory), uses trust
authentication for the ``postgres`` superuser and is tuned for speed, not
durability (fsync/synchronous_commit/full_page_writes off).  ``stop()`` shuts
it down with ``pg_ctl stop -m immediate`` and deletes the directory; it is
also registered with ``atexit``.

PostgreSQL refuses to run as root.  When the test process is root (as in the
dev container and on CI) ``initdb``/``pg_ctl``/``postgres`` are run as the
``postgres`` OS user, and the temp directory is chowned to that user.
Otherwise they run as the current user.

The server binaries are located with :func:`find_pg_bindir`: the
``SEAMLINE_PG_BINDIR`` environment variable, then ``pg_config --bindir``,
then ``/usr/lib/postgresql/*/bin`` (newest version first), then ``initdb``
on ``PATH``.
"""

from __future__ import annotations

import atexit
import errno
import glob
import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time

__all__ = ["PostgresServer", "find_pg_bindir"]

DEFAULT_DB = "seamline"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
RUN_AS_WHEN_ROOT = "postgres"

_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
_START_ATTEMPTS = 3  # fresh port each time; only retried when the port was taken
_START_TIMEOUT = 30  # seconds, passed to pg_ctl -t
_READY_TIMEOUT = 10  # seconds of connect attempts after pg_ctl reports ready
_LOG_TAIL_LINES = 40
# Unix socket paths are limited to ~107 bytes (sun_path) including ".s.PGSQL.NNNNN".
_MAX_SOCKET_DIR_LEN = 80

_PORT_IN_USE_PATTERNS = (
    "address already in use",
    "could not create any tcp/ip sockets",
    "could not create listen socket",
)


# --------------------------------------------------------------------------- #
# Locating the binaries
# --------------------------------------------------------------------------- #


def _has_server_binaries(bindir: str | None) -> bool:
    if not bindir:
        return False
    return all(os.access(os.path.join(bindir, b), os.X_OK) for b in _REQUIRED_BINARIES)


def _version_key(path: str) -> tuple:
    # /usr/lib/postgresql/<ver>/bin -> numeric sort key (15 > 9.6, 16 > 15)
    ver = os.path.basename(os.path.dirname(path))
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.\-]", ver))


def find_pg_bindir() -> str | None:
    """Directory holding initdb/pg_ctl/postgres, or None when PostgreSQL is not installed."""
    override = os.environ.get("SEAMLINE_PG_BINDIR")
    if override:
        return override if _has_server_binaries(override) else None

    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10
            )
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    # Debian/Ubuntu layout.  pg_config may come from libpq-dev and point at a
    # version without the server installed, hence the fallback.
    candidates.extend(sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(os.path.dirname(os.path.realpath(initdb)))

    for bindir in candidates:
        if _has_server_binaries(bindir):
            return bindir
    return None


# --------------------------------------------------------------------------- #
# atexit safety net
# --------------------------------------------------------------------------- #

_live_servers: set[PostgresServer] = set()
_live_lock = threading.Lock()


def _stop_all_at_exit() -> None:
    with _live_lock:
        servers = list(_live_servers)
    for server in servers:
        # A forked child (e.g. multiprocessing) inherits the registry; only the
        # process that started the server may tear it down.
        if server._owner_pid != os.getpid():
            continue
        try:
            server.stop()
        except Exception:  # pragma: no cover - best effort at interpreter exit
            pass


atexit.register(_stop_all_at_exit)


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tail(path: str, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return f"<could not read {path}: {exc}>"
    text = data.decode("utf-8", errors="replace").rstrip()
    return "\n".join(text.splitlines()[-lines:]) or "<empty>"


def _clean_env() -> dict[str, str]:
    # PGDATA/PGPORT/PGHOST/PGUSER/... from the caller's environment must not
    # leak into initdb/pg_ctl/postgres.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env.pop("LANG", None)
    return env


def _check_traversable(path: str, user: pwd.struct_passwd) -> None:
    """Raise if `user` cannot reach `path` (e.g. base_dir under /root or pytest's 0700 tmp_path)."""
    groups = {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem}
    current = os.path.realpath(path)
    while True:
        st = os.stat(current)
        if st.st_uid == user.pw_uid:
            ok = st.st_mode & stat.S_IXUSR
        elif st.st_gid in groups:
            ok = st.st_mode & stat.S_IXGRP
        else:
            ok = st.st_mode & stat.S_IXOTH
        if not ok:
            raise RuntimeError(
                f"the {user.pw_name!r} OS user (PostgreSQL runs as it because we are root) "
                f"cannot traverse {current!r}; pass a base_dir it can reach, e.g. /tmp"
            )
        parent = os.path.dirname(current)
        if parent == current:
            return
        current = parent


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port, in a temp dir, deleted on stop()."""

    def __init__(self, base_dir: str | None = None):
        self.base_dir = base_dir  # parent of the temp dir; None -> tempfile.gettempdir()
        self.bindir: str | None = None
        self.directory: str | None = None  # the temp dir (data dir, socket, log); None when stopped
        self.port: int | None = None
        self.start_seconds: float | None = None
        self._datadir: str | None = None
        self._logfile: str | None = None
        self._socket_dir: str | None = None
        self._started = False
        self._owner_pid = os.getpid()
        self._lock = threading.RLock()
        self._run_as: pwd.struct_passwd | None = None

    # ------------------------------------------------------------------ #
    # public API
    # ------------------------------------------------------------------ #

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the default "seamline" database."""
        return self.url_for(DEFAULT_DB)

    def url_for(self, dbname: str) -> str:
        if not self._started:
            raise RuntimeError("PostgresServer is not running; call start() first")
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{dbname}"

    @property
    def log_path(self) -> str | None:
        return self._logfile

    def start(self) -> PostgresServer:
        with self._lock:
            if self._started:
                return self
            t0 = time.monotonic()
            self.bindir = find_pg_bindir()
            if self.bindir is None:
                raise RuntimeError(
                    "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; "
                    "install the Debian 'postgresql' package or set SEAMLINE_PG_BINDIR"
                )
            self._owner_pid = os.getpid()
            with _live_lock:
                _live_servers.add(self)  # atexit safety net from the moment a temp dir may exist
            try:
                self._make_directory()
                self._initdb()
                self._start_server()
                self._wait_until_ready()
                self._started = True
                self._create_db(DEFAULT_DB)
            except BaseException:
                self._started = True  # so stop() runs the full teardown
                try:
                    self.stop()
                except Exception:
                    pass  # keep the original (more informative) error
                raise
            self.start_seconds = time.monotonic() - t0
            return self

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a fresh database `name` (dropping any existing one), optionally as a copy of
        `template`, and return its SQLAlchemy URL."""
        self._require_running()
        if not name or len(name.encode()) > 63:
            raise ValueError(f"invalid database name {name!r} (1-63 bytes; PostgreSQL truncates longer ones)")
        self.drop_database(name)
        self._create_db(name, template)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database `name` if it exists, terminating any connections still open to it."""
        self._require_running()
        from psycopg import sql

        with self._admin_connect() as conn:
            if conn.info.server_version >= 130000:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            else:  # pragma: no cover - PostgreSQL < 13
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    def dump(self, dbname: str, name: str) -> str:
        """``pg_dump --format=custom`` of `dbname` into a file named `name` in the server's directory
        (writable by the user PostgreSQL runs as); returns the file's path."""
        self._require_running()
        path = os.path.join(self.directory, name)
        self._run_client("pg_dump", "--format=custom", "--file", path, "--dbname", dbname)
        return path

    def restore(self, path: str, dbname: str) -> str:
        """Create a fresh database `dbname` and ``pg_restore`` the dump at `path` into it; returns its URL."""
        self._require_running()
        url = self.create_database(dbname)
        self._run_client("pg_restore", "--exit-on-error", "--no-owner", "--dbname", dbname, path)
        return url

    def _run_client(self, binary: str, *args: str) -> None:
        proc = self._run([self._bin(binary), "--host", HOST, "--port", str(self.port), "--username", SUPERUSER,
                          *args], timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"{binary} failed (exit {proc.returncode}):\n{proc.stdout.strip()}")

    def stop(self) -> None:
        """Stop the server (immediate mode) and remove the temp directory. Idempotent."""
        with self._lock:
            with _live_lock:
                _live_servers.discard(self)
            if not self._started and self.directory is None:
                return
            self._started = False
            errors = []
            if self._datadir and os.path.exists(os.path.join(self._datadir, "postmaster.pid")):
                try:
                    self._pg_ctl_stop()
                except Exception as exc:  # fall back to killing the postmaster
                    errors.append(f"pg_ctl stop failed: {exc}")
                    self._kill_postmaster()
            if self.directory:
                shutil.rmtree(self.directory, ignore_errors=True)
                if os.path.exists(self.directory):
                    # A straggling backend may have been writing; try once more.
                    time.sleep(0.2)
                    shutil.rmtree(self.directory, ignore_errors=True)
                if os.path.exists(self.directory):
                    errors.append(f"could not remove {self.directory}")
            self.directory = self._datadir = self._logfile = self._socket_dir = None
            if errors:
                raise RuntimeError("; ".join(errors))

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"port={self.port}" if self._started else "stopped"
        return f"<PostgresServer {state} dir={self.directory}>"

    # ------------------------------------------------------------------ #
    # internals
    # ------------------------------------------------------------------ #

    def _require_running(self) -> None:
        if not self._started:
            raise RuntimeError("PostgresServer is not running; call start() first")

    def _make_directory(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="seamline-pg-", dir=self.base_dir)
        self._datadir = os.path.join(self.directory, "data")
        self._logfile = os.path.join(self.directory, "server.log")
        # Keep the socket path short enough for sun_path; fall back to TCP only.
        self._socket_dir = self.directory if len(self.directory) <= _MAX_SOCKET_DIR_LEN else ""
        if os.geteuid() == 0:
            try:
                self._run_as = pwd.getpwnam(RUN_AS_WHEN_ROOT)
            except KeyError:
                raise RuntimeError(
                    f"running as root but there is no {RUN_AS_WHEN_ROOT!r} OS user to run "
                    "PostgreSQL as (initdb/postgres refuse to run as root)"
                ) from None
            _check_traversable(os.path.dirname(self.directory), self._run_as)
            os.chown(self.directory, self._run_as.pw_uid, self._run_as.pw_gid)
        os.chmod(self.directory, 0o700)

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess:
        """Run a PostgreSQL binary (as the postgres user when we are root).

        Output goes to a temporary file rather than a pipe so that a daemonized
        postmaster can never keep us waiting on an inherited pipe.
        """
        kwargs = {}
        if self._run_as is not None:
            kwargs = dict(user=self._run_as.pw_uid, group=self._run_as.pw_gid, extra_groups=[])
        with tempfile.TemporaryFile() as out:
            try:
                proc = subprocess.run(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=self.directory,
                    env=_clean_env(),
                    timeout=timeout,
                    start_new_session=True,  # keep the server out of our process group (Ctrl-C)
                    **kwargs,
                )
            except subprocess.TimeoutExpired as exc:
                out.seek(0)
                raise RuntimeError(
                    f"{os.path.basename(args[0])} timed out after {timeout}s:\n"
                    + out.read().decode("utf-8", "replace")[-4000:]
                ) from exc
            except OSError as exc:
                raise RuntimeError(f"could not run {args[0]}: {exc}") from exc
            out.seek(0)
            proc.stdout = out.read().decode("utf-8", "replace")
        return proc

    def _bin(self, name: str) -> str:
        return os.path.join(self.bindir, name)

    def _initdb(self) -> None:
        proc = self._run(
            [
                self._bin("initdb"),
                "-D", self._datadir,
                "-U", SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout=120,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"initdb failed (exit {proc.returncode}):\n{proc.stdout.strip()}")

    def _server_options(self, port: int) -> str:
        opts = {
            "listen_addresses": HOST,
            "unix_socket_directories": self._socket_dir,
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
        }
        parts = ["-p", str(port)]
        for key, value in opts.items():
            parts += ["-c", f"{key}={value}"]
        # pg_ctl hands -o to /bin/sh, so quote for the shell.
        return " ".join(shlex.quote(p) for p in parts)

    def _start_server(self) -> None:
        failures = []
        for attempt in range(1, _START_ATTEMPTS + 1):
            port = _free_port()
            log_offset = os.path.getsize(self._logfile) if os.path.exists(self._logfile) else 0
            proc = self._run(
                [
                    self._bin("pg_ctl"),
                    "start",
                    "-D", self._datadir,
                    "-l", self._logfile,
                    "-w", "-t", str(_START_TIMEOUT),
                    "-o", self._server_options(port),
                ],
                timeout=_START_TIMEOUT + 15,
            )
            if proc.returncode == 0:
                self.port = port
                return
            log = self._log_since(log_offset)
            failures.append(f"attempt {attempt} on port {port}: pg_ctl exit {proc.returncode}")
            # Make sure nothing is left half-running before retrying or giving up.
            if os.path.exists(os.path.join(self._datadir, "postmaster.pid")):
                try:
                    self._pg_ctl_stop()
                except Exception:
                    self._kill_postmaster()
            if not any(p in log.lower() for p in _PORT_IN_USE_PATTERNS):
                break
        raise RuntimeError(
            "PostgreSQL failed to start ("
            + "; ".join(failures)
            + f").\npg_ctl output:\n{proc.stdout.strip()}\n"
            + f"--- tail of {self._logfile} ---\n{_tail(self._logfile)}"
        )

    def _log_since(self, offset: int) -> str:
        try:
            with open(self._logfile, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _admin_connect(self, dbname: str = "postgres", connect_timeout: int = 5):
        import psycopg

        return psycopg.connect(
            host=HOST,
            port=self.port,
            user=SUPERUSER,
            dbname=dbname,
            autocommit=True,
            connect_timeout=connect_timeout,
        )

    def _wait_until_ready(self) -> None:
        # pg_ctl -w already waited for "ready"; confirm over TCP the way the tests connect.
        import psycopg

        deadline = time.monotonic() + _READY_TIMEOUT
        last_exc: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with self._admin_connect(connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                last_exc = exc
                time.sleep(0.05)
        raise RuntimeError(
            f"PostgreSQL on {HOST}:{self.port} did not accept connections within "
            f"{_READY_TIMEOUT}s: {last_exc}\n--- tail of {self._logfile} ---\n{_tail(self._logfile)}"
        )

    def _create_db(self, name: str, template: str | None = None) -> None:
        from psycopg import sql

        with self._admin_connect() as conn:
            if template:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
            else:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def _pg_ctl_stop(self) -> None:
        proc = self._run(
            [self._bin("pg_ctl"), "stop", "-D", self._datadir, "-m", "immediate", "-w", "-t", "30"],
            timeout=45,
        )
        if proc.returncode != 0 and os.path.exists(os.path.join(self._datadir, "postmaster.pid")):
            raise RuntimeError(f"exit {proc.returncode}: {proc.stdout.strip()}")

    def _kill_postmaster(self) -> None:
        pidfile = os.path.join(self._datadir or "", "postmaster.pid")
        try:
            with open(pidfile) as f:
                pid = int(f.readline().strip())
        except (OSError, ValueError):
            return
        # Guard against a stale pid file whose pid now belongs to something else:
        # the postmaster's cwd is its data directory.
        if os.path.isdir("/proc"):
            try:
                if os.path.realpath(os.readlink(f"/proc/{pid}/cwd")) != os.path.realpath(self._datadir):
                    return
            except OSError:
                return  # no such process (or not ours to inspect)
        try:
            # pg_ctl setsid()s the postmaster (backends setsid() too and exit on postmaster death).
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                os.kill(pid, signal.SIGKILL)
        except OSError as exc:
            if exc.errno != errno.ESRCH:
                raise
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            time.sleep(0.05)
