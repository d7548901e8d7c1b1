"""Configuration, read from environment variables when the app is built.

Nothing here runs at import time: :func:`load_config` is called by the
factory, so tests and the CLI can build apps with different settings in one
process.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server import json_text

# SECRET_KEY values that must never be accepted in production.
_WEAK_SECRETS = {"", "dev", "changeme", "secret", "development", "test"}

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The configuration is unusable; the app refuses to start."""


@dataclass(frozen=True)
class Defaults:
    max_content_length: int = 32 * 1024 * 1024
    # An exported unsynced-data file carries its photos base64-encoded (a third larger): room for 30 or so.
    import_max_bytes: int = 64 * 1024 * 1024
    # A purchase-order CSV: a few thousand lines are a season's orders; a file past these is split.
    order_import_max_bytes: int = 5 * 1024 * 1024
    order_import_max_rows: int = 20_000
    session_lifetime_days: int = 30
    # Failed-login throttle: failures allowed within the window before lock-out.
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 30
    login_window_seconds: int = 15 * 60
    # Reverse proxies in front of the app whose X-Forwarded-For entry is believed; 0 = none, use the socket address.
    trusted_proxy_hops: int = 0
    # An upload nobody has sent a chunk to for this long is discarded (its sender starts over at byte 0).
    photo_partial_ttl_hours: int = 24
    # Declared bytes of one user's unfinished uploads: five of the largest photos, far more than a phone
    # uploading one photo at a time ever holds, and a bound on the disk one account can fill with partials.
    photo_max_bytes_in_flight_per_user: int = 100 * 1024 * 1024
    # Notification delivery (server/services/delivery.py): a receiver that is down gets every event once it
    # is back, within the retry span: 30 s doubling up to 6 h between tries, 12 tries = about 26 hours.
    notify_timeout_seconds: float = 10.0
    notify_max_attempts: int = 12
    notify_backoff_seconds: float = 30.0
    notify_backoff_max_seconds: float = 6 * 3600.0
    notify_worker_sleep_seconds: float = 5.0
    notify_batch_size: int = 50
    # A final random inspection is booked once this share of the order is packed (ISO 2859 samples a finished lot).
    booking_final_packed_percent: int = 80
    # How long a sync push that starts past its device's last mutation + 1 waits for the device's push before
    # it, still on its way (PROTOCOL.md 2.4.1), before it is refused with mutation_gap.
    push_gap_wait_seconds: float = 5.0
    # PostgreSQL connection pool, per app process (a gunicorn worker): connections kept open, extra ones
    # allowed under a burst, seconds a request waits for a free one before failing with 503, and the age at
    # which a connection is replaced (below any idle cut-off of a proxy or load balancer on the way).
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_timeout: int = 10
    db_pool_recycle: int = 1800
    # Milliseconds one SQL statement may run before PostgreSQL cancels it; 0 = no limit (migrations and
    # console commands on a large database may need longer than a web request should ever take).
    db_statement_timeout_ms: int = 0


def load_config(overrides: Mapping[str, Any] | None = None, instance_path: str = "instance") -> dict:
    """Return the Flask config dict from the environment plus ``overrides``.

    ``overrides`` wins over the environment (tests pass their own database URL).
    """
    overrides = dict(overrides or {})
    env = os.environ
    environment = overrides.pop("ENV", None) or env.get("SEAMLINE_ENV", "production")
    if overrides.get("TESTING"):
        environment = "testing"
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"SEAMLINE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
    relaxed = environment in ("development", "testing")

    database_url = overrides.pop("DATABASE_URL", None) or env.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(os.path.abspath(instance_path), "seamline.db")
    )
    secret_key = overrides.pop("SECRET_KEY", None) or env.get("SECRET_KEY", "")
    if secret_key.strip().lower() in _WEAK_SECRETS or len(secret_key) < 16:
        if not relaxed:
            raise ConfigError(
                "SECRET_KEY is missing or too weak: set a random value of at least 16 characters "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set SEAMLINE_ENV=development for local use."
            )
        # Development and tests get a random per-process key: nothing guessable.
        secret_key = secrets.token_hex(32)

    defaults = Defaults()
    trusted_proxy_hops = _non_negative_int(
        "TRUSTED_PROXY_HOPS", overrides.pop("TRUSTED_PROXY_HOPS", env.get("TRUSTED_PROXY_HOPS")),
        defaults.trusted_proxy_hops,
    )
    photo_storage = _photo_storage_config(overrides, env)
    config = {
        **_notification_config(env, defaults),
        "SEAMLINE_ENV": environment,
        "TESTING": environment == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url, overrides, env, defaults),
        "PHOTO_DIR": overrides.pop("PHOTO_DIR", None)
        or env.get("PHOTO_DIR")
        or os.path.join(os.path.abspath(instance_path), "photos"),
        **photo_storage,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", defaults.max_content_length)),
        "IMPORT_MAX_BYTES": int(env.get("IMPORT_MAX_BYTES", defaults.import_max_bytes)),
        "ORDER_IMPORT_MAX_BYTES": int(env.get("ORDER_IMPORT_MAX_BYTES", defaults.order_import_max_bytes)),
        "ORDER_IMPORT_MAX_ROWS": int(env.get("ORDER_IMPORT_MAX_ROWS", defaults.order_import_max_rows)),
        "PHOTO_MAX_BYTES": int(env.get("PHOTO_MAX_BYTES", 20 * 1024 * 1024)),
        "PHOTO_MAX_PIXELS": int(env.get("PHOTO_MAX_PIXELS", 50_000_000)),
        "PHOTO_PARTIAL_TTL_HOURS": float(env.get("PHOTO_PARTIAL_TTL_HOURS", defaults.photo_partial_ttl_hours)),
        "PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER": int(env.get("PHOTO_MAX_BYTES_IN_FLIGHT_PER_USER",
                                                          defaults.photo_max_bytes_in_flight_per_user)),
        "SESSION_COOKIE_NAME": "seamline_session",
        "SESSION_COOKIE_SECURE": not relaxed,
        "SESSION_LIFETIME_DAYS": int(env.get("SESSION_LIFETIME_DAYS", defaults.session_lifetime_days)),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": defaults.login_max_failures_per_account,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": defaults.login_max_failures_per_address,
        "LOGIN_WINDOW_SECONDS": defaults.login_window_seconds,
        "TRUSTED_PROXY_HOPS": trusted_proxy_hops,
        # werkzeug's scrypt (N=2^15: 32 MiB and a good fraction of a second per try) everywhere but the test
        # suite, which logs in thousands of times; a stored hash names its own cost, so a password set here
        # is checked at that cost whatever this says.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1" if environment == "testing" else "scrypt",
        # The test suite's gap tests would each wait the whole default; the pipelining tests set their own.
        "PUSH_GAP_WAIT_SECONDS": _non_negative_float(
            "PUSH_GAP_WAIT_SECONDS", env.get("PUSH_GAP_WAIT_SECONDS"),
            0.5 if environment == "testing" else defaults.push_gap_wait_seconds),
        "BOOKING_FINAL_PACKED_PERCENT": _percent(
            "BOOKING_FINAL_PACKED_PERCENT", env.get("BOOKING_FINAL_PACKED_PERCENT"),
            defaults.booking_final_packed_percent),
        # flask-smorest / OpenAPI
        "API_TITLE": "Seamline API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    return config


def _notification_config(env: Mapping[str, str], defaults: Defaults) -> dict:
    """Delivery settings and the SMTP server e-mails go through (no SMTP_HOST: e-mail attempts fail, logged)."""
    port = _non_negative_int("SMTP_PORT", env.get("SMTP_PORT"), 587)
    starttls = env.get("SMTP_STARTTLS", "true").strip().lower()
    if starttls not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"SMTP_STARTTLS must be true or false, not {starttls!r}")
    return {
        "NOTIFY_TIMEOUT_SECONDS": _positive_float("NOTIFY_TIMEOUT_SECONDS", env.get("NOTIFY_TIMEOUT_SECONDS"),
                                                  defaults.notify_timeout_seconds),
        "NOTIFY_MAX_ATTEMPTS": _non_negative_int("NOTIFY_MAX_ATTEMPTS", env.get("NOTIFY_MAX_ATTEMPTS"),
                                                 defaults.notify_max_attempts) or 1,
        "NOTIFY_BACKOFF_SECONDS": _positive_float("NOTIFY_BACKOFF_SECONDS", env.get("NOTIFY_BACKOFF_SECONDS"),
                                                  defaults.notify_backoff_seconds),
        "NOTIFY_BACKOFF_MAX_SECONDS": _positive_float("NOTIFY_BACKOFF_MAX_SECONDS",
                                                      env.get("NOTIFY_BACKOFF_MAX_SECONDS"),
                                                      defaults.notify_backoff_max_seconds),
        "NOTIFY_WORKER_SLEEP_SECONDS": _positive_float("NOTIFY_WORKER_SLEEP_SECONDS",
                                                       env.get("NOTIFY_WORKER_SLEEP_SECONDS"),
                                                       defaults.notify_worker_sleep_seconds),
        "NOTIFY_BATCH_SIZE": _non_negative_int("NOTIFY_BATCH_SIZE", env.get("NOTIFY_BATCH_SIZE"),
                                               defaults.notify_batch_size) or 1,
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": port,
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": env.get("SMTP_FROM", ""),
        "SMTP_STARTTLS": starttls in ("true", "1", "yes"),
    }


def _positive_float(name: str, raw: Any, default: float) -> float:
    return _float_setting(name, raw, default, zero_allowed=False)


def _non_negative_float(name: str, raw: Any, default: float) -> float:
    return _float_setting(name, raw, default, zero_allowed=True)


def _float_setting(name: str, raw: Any, default: float, zero_allowed: bool) -> float:
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1.0
    if not (value >= 0 if zero_allowed else value > 0) or value == float("inf"):
        raise ConfigError(f"{name} must be a number {'of 0 or more' if zero_allowed else 'above 0'}, not {raw!r}")
    return value


PHOTO_STORAGES = ("local", "s3")
_S3_SETTINGS = ("S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
_S3_ADDRESSING_STYLES = ("auto", "path", "virtual")


def _photo_storage_config(overrides: dict, env: Mapping[str, str]) -> dict:
    """Where photo bytes live: PHOTO_STORAGE=local (PHOTO_DIR, the default) or s3 (the S3_* settings).

    S3 credentials left empty come from boto3's own chain (AWS_* variables, an instance or task role).
    S3_PRESIGNED_URL_SECONDS > 0 answers photo downloads with a redirect to a presigned URL valid that
    long instead of streaming the bytes through the app; 0 (the default) streams.
    """
    def setting(name: str, default: str = "") -> str:
        value = overrides.pop(name, None)
        return str(value if value is not None else env.get(name, default)).strip()

    backend = setting("PHOTO_STORAGE", "local").lower()
    if backend not in PHOTO_STORAGES:
        raise ConfigError(f"PHOTO_STORAGE must be one of {', '.join(PHOTO_STORAGES)}, not {backend!r}")
    config = {"PHOTO_STORAGE": backend, **{name: setting(name) for name in _S3_SETTINGS}}
    config["S3_ADDRESSING_STYLE"] = setting("S3_ADDRESSING_STYLE", "auto").lower()
    if config["S3_ADDRESSING_STYLE"] not in _S3_ADDRESSING_STYLES:
        raise ConfigError(f"S3_ADDRESSING_STYLE must be one of {', '.join(_S3_ADDRESSING_STYLES)}")
    config["S3_PRESIGNED_URL_SECONDS"] = _non_negative_int("S3_PRESIGNED_URL_SECONDS",
                                                           setting("S3_PRESIGNED_URL_SECONDS"), 0)
    if backend == "s3" and not config["S3_BUCKET"]:
        raise ConfigError("PHOTO_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a store other than AWS)")
    if bool(config["S3_ACCESS_KEY_ID"]) != bool(config["S3_SECRET_ACCESS_KEY"]):
        raise ConfigError("Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (boto3's own chain)")
    return config


def _non_negative_int(name: str, raw: Any, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if value < 0:
        raise ConfigError(f"{name} must be a whole number of 0 or more, not {raw!r}")
    return value


def _percent(name: str, raw: Any, default: int) -> int:
    value = _non_negative_int(name, raw, default)
    if value > 100:
        raise ConfigError(f"{name} is a percentage from 0 to 100, not {raw!r}")
    return value


def _engine_options(database_url: str, overrides: dict, env: Mapping[str, str], defaults: Defaults) -> dict:
    """Pool and statement-timeout settings for SQLAlchemy's engine from the DB_* variables.

    They are read (and checked) on every backend, so a typo fails the same everywhere, but they apply only to
    PostgreSQL: a SQLite file has no server to pool connections to and no statement timeout.
    """
    def setting(name: str, default: int, minimum: int) -> int:
        return _int_at_least(name, overrides.pop(name, env.get(name)), default, minimum)

    pool_size = setting("DB_POOL_SIZE", defaults.db_pool_size, 1)
    max_overflow = setting("DB_MAX_OVERFLOW", defaults.db_max_overflow, 0)
    pool_timeout = setting("DB_POOL_TIMEOUT", defaults.db_pool_timeout, 1)
    pool_recycle = setting("DB_POOL_RECYCLE", defaults.db_pool_recycle, 0)
    statement_timeout_ms = setting("DB_STATEMENT_TIMEOUT_MS", defaults.db_statement_timeout_ms, 0)
    # JSON columns written with one encoder built once (server/json_text.py): same text as json.dumps, faster.
    options: dict[str, Any] = {"pool_pre_ping": True, "json_serializer": json_text.dumps}
    if not _normalize_database_url(database_url).startswith("postgresql"):
        return options
    options.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout,
                   pool_recycle=pool_recycle if pool_recycle > 0 else -1)
    if statement_timeout_ms:
        # Set for the session at connect time (libpq's "options"), so it holds for every statement.
        options["connect_args"] = {"options": f"-c statement_timeout={statement_timeout_ms}"}
    return options


def _int_at_least(name: str, raw: Any, default: int, minimum: int) -> int:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ConfigError(f"{name} must be a whole number of {minimum} or more, not {raw!r}")
    return value


def _normalize_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` spellings and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
