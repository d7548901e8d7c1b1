"""Serves the progressive web app from pwa/: the shell, its npm libraries, and the service worker.

The service worker's cache name carries a hash of the shell files, so any
change to the app makes browsers install a new version (which the page then
offers as "update available").
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory
from werkzeug.routing import PathConverter

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"
# Front-end libraries installed from npm (pwa/package-lock.json) and served by the app itself.
VENDOR = {"idb": PWA_DIR / "node_modules" / "idb" / "build", "axe-core": PWA_DIR / "node_modules" / "axe-core",
          "uplot": PWA_DIR / "node_modules" / "uplot" / "dist",
          "canonicalize": PWA_DIR / "node_modules" / "canonicalize" / "lib"}
# The library files the app imports, precached with the shell so the managers' figures open offline.
VENDOR_FILES = ("/vendor/idb/index.js", "/vendor/uplot/uPlot.esm.js", "/vendor/uplot/uPlot.min.css",
                "/vendor/canonicalize/canonicalize.js")
SHELL_PARTS = ("index.html", "manifest.webmanifest", "css", "js", "icons")

# No inline scripts or styles, nothing from other origins; user text is only ever inserted as text.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

bp = Blueprint("pwa", __name__)


class AppFilePath(PathConverter):
    """Any path outside /api/, so that unknown API URLs keep their own 404 and 405 answers."""

    regex = r"(?!api/)[^/].*?"


@bp.record_once
def _register_converter(state):
    state.app.url_map.converters["appfile"] = AppFilePath


@bp.after_app_request
def _content_security_policy(response: Response):
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", _policy())
    return response


def _policy() -> str:
    """The policy, letting images also come from the photo bucket when photo downloads redirect there."""
    if not current_app.config.get("S3_PRESIGNED_URL_SECONDS"):
        return CONTENT_SECURITY_POLICY
    from server.services.photos import presigned_photo_origin

    origin = presigned_photo_origin()
    return CONTENT_SECURITY_POLICY.replace("img-src 'self'", f"img-src 'self' {origin}") if origin else CONTENT_SECURITY_POLICY


def _shell_files() -> list[Path]:
    files: list[Path] = []
    for part in SHELL_PARTS:
        path = PWA_DIR / part
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return files


@lru_cache(maxsize=1)
def shell_urls() -> tuple[str, ...]:
    """Every URL the service worker precaches: the shell files and the npm libraries the app imports."""
    urls = ["/"] + ["/" + str(f.relative_to(PWA_DIR)) for f in _shell_files()]
    return tuple(urls) + VENDOR_FILES


@lru_cache(maxsize=1)
def shell_version() -> str:
    digest = hashlib.sha256()
    for file in _shell_files():
        digest.update(str(file.relative_to(PWA_DIR)).encode())
        digest.update(file.read_bytes())
    for url in VENDOR_FILES:
        library, name = url.removeprefix("/vendor/").split("/", 1)
        path = VENDOR[library] / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@bp.route("/")
def index():
    return send_from_directory(PWA_DIR, "index.html", max_age=0)


@bp.route("/sw.js")
def service_worker():
    source = ((PWA_DIR / "sw.js").read_text().replace("__SHELL_VERSION__", shell_version())
              .replace('["__SHELL_URLS__"]', json.dumps(list(shell_urls()))))
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/vendor/<library>/<appfile:filename>")
def vendor(library: str, filename: str):
    if library not in VENDOR or not VENDOR[library].is_dir():
        abort(404)
    return send_from_directory(VENDOR[library], filename, max_age=0)


@bp.route("/<appfile:filename>")
def asset(filename: str):
    if filename.startswith(("node_modules/", "package", "eslint.")):
        abort(404)
    return send_from_directory(PWA_DIR, filename, max_age=0)
