from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.extensions import db


def migration_heads(directory: str) -> tuple[str, ...]:
    config = Config()
    config.set_main_option("script_location", directory)
    return tuple(ScriptDirectory.from_config(config).get_heads())


def health_report(version: str, migrations_directory: str) -> dict:
    heads = migration_heads(migrations_directory)
    try:
        # Read the version table directly: asking Alembic would log at INFO on every probe.
        current = tuple(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except DBAPIError:  # no version table yet: nothing migrated
        db.session.rollback()
        current = ()
    return {
        "status": "ok",
        "version": version,
        "database": db.engine.dialect.name,
        "migrations_at_head": set(current) == set(heads),
        "revision": current[0] if len(current) == 1 else None,
        "head": heads[0] if len(heads) == 1 else None,
    }
