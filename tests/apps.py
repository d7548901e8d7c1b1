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
