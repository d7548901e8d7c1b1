"""Building and tearing down test apps (shared by fixtures and the tests that need a second app)."""

from __future__ import annotations

from pathlib import Path


def make_app(url: str, tmp_path: Path, **extra):
    from server import create_app

    return create_app({"TESTING": True, "DATABASE_URL": url, "PHOTO_DIR": str(tmp_path / "photos"), **extra})


def dispose(app) -> None:
    """Close the app's connections (PostgreSQL drops databases only when nobody is connected)."""
    from server.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class ApiClient:
    """A test client that remembers its session's CSRF token and sends it like the app does."""

    def __init__(self, flask_client):
        self.raw = flask_client
        self.csrf = None

    def login(self, email: str, password: str):
        response = self.raw.post("/api/v1/auth/login", json={"email": email, "password": password})
        if response.status_code == 200:
            self.csrf = response.get_json()["csrf_token"]
        return response

    def open(self, method: str, path: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("X-CSRF-Token", self.csrf)
        # Buffered: a streamed answer (a CSV export) left unread would keep its request context pushed until the
        # garbage collector closes it, inside whatever request runs then, which it would break.
        kwargs.setdefault("buffered", True)
        return self.raw.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def patch(self, path, **kw):
        return self.open("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)
