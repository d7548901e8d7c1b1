"""The application factory."""

from __future__ import annotations

import logging
import os

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from server.config import load_config
from server.database import configure_engine, declare_write_intent, read_apart, reset_write_intent
from server.errors import ApiError, register_error_handlers
from server.extensions import api, db, login_manager, migrate
from server.json_limits import DepthLimitedJSONProvider

log = logging.getLogger("seamline")


def build_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.json = DepthLimitedJSONProvider(app)
    app.config.update(load_config(config, instance_path=app.instance_path))
    app.json.sort_keys = False
    _trust_proxies(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    api.init_app(app)
    login_manager.init_app(app)

    with app.app_context():
        configure_engine(db.engine)  # registers listeners only; nothing connects here

    from server.services import changes

    changes.install(db.session)
    _install_request_hooks(app)
    register_error_handlers(app)

    from server.api import register_blueprints

    register_blueprints(api)

    from server.cli import register_cli

    register_cli(app)

    from server.pwa_routes import bp as pwa_bp

    app.register_blueprint(pwa_bp)

    from server import compression

    compression.install(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXY_HOPS reverse proxies, take the client's address (and scheme) from what those
    proxies appended to X-Forwarded-For (-Proto): the login throttle counts per address, and a header the
    client wrote itself must never choose which counter it hits. With 0 hops the headers are ignored."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def _install_request_hooks(app: Flask) -> None:
    from server.authz import enforce
    from server.services.auth import session_user, token_user

    @app.before_request
    def _write_intent():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g._write_intent_token = declare_write_intent()

    @login_manager.request_loader
    def _load_user(req):
        # Apart from the write lock: a writing request waits for it only once its view starts working, so that
        # a device's next push is authenticated and parsed while the one before it writes (PROTOCOL.md 2.4.1).
        with read_apart(db.session()):
            return _authenticated(req)

    def _authenticated(req):
        header = req.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            found = token_user(header[len("Bearer "):].strip())
            if found is None:
                raise ApiError(401, "invalid_token", "The API token is unknown or revoked.")
        else:
            cookie = req.cookies.get(app.config["SESSION_COOKIE_NAME"])
            found = session_user(cookie) if cookie else None
        if found is None:
            return None
        user, auth = found
        g.auth = auth
        return user

    @login_manager.unauthorized_handler
    def _unauthorized():
        raise ApiError(401, "unauthorized", "Log in or send a valid API token.")

    app.before_request(enforce)

    @app.teardown_request
    def _end_write_intent(_exc):
        token = g.pop("_write_intent_token", None)
        if token is not None:
            reset_write_intent(token)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
