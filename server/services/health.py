"""What /health reports: the app's version, the database (reachable, schema at head) and the photo storage."""

import logging

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.extensions import db

log = logging.getLogger("seamline.health")


def migration_heads(directory: str) -> tuple[str, ...]:
    config = Config()
    config.set_main_option("script_location", directory)
    return tuple(ScriptDirectory.from_config(config).get_heads())


def health_report(version: str, migrations_directory: str) -> dict:
    """The report; ``status`` is "ok" only when the database and the photo storage both answer."""
    heads = migration_heads(migrations_directory)
    database_ok, current = _database_state()
    storage_ok = _photo_storage_ok()
    return {
        "status": "ok" if database_ok and storage_ok else "unavailable",
        "version": version,
        "database": db.engine.dialect.name,
        "database_ok": database_ok,
        "migrations_at_head": set(current) == set(heads),
        "revision": current[0] if len(current) == 1 else None,
        "head": heads[0] if len(heads) == 1 else None,
        "photo_storage": current_app.config["PHOTO_STORAGE"],
        "photo_storage_ok": storage_ok,
    }


def _database_state() -> tuple[bool, tuple[str, ...]]:
    """(whether the database answers, the migration revisions it is at)."""
    try:
        db.session.execute(text("SELECT 1"))
    except DBAPIError as error:
        db.session.rollback()
        log.warning("health: the database does not answer: %s", error)
        return False, ()
    try:
        # Read the version table directly: asking Alembic would log at INFO on every probe.
        current = tuple(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except DBAPIError:  # no version table yet: nothing migrated
        db.session.rollback()
        current = ()
    db.session.rollback()  # a probe holds no transaction open
    return True, current


def _photo_storage_ok() -> bool:
    from server.services.photos import storage

    try:
        storage().check()
    except Exception as error:  # any failure of the store (network, credentials, disk) is "not ok", never a 500
        log.warning("health: the photo storage does not answer: %s", error)
        return False
    return True
