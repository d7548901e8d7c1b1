"""Serves the progressive web app from pwa/ at the site root."""

from pathlib import Path

from flask import Blueprint, send_from_directory
from werkzeug.routing import PathConverter

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

bp = Blueprint("pwa", __name__)


class AppFilePath(PathConverter):
    """Any path outside /api/, so that unknown API URLs keep their own 404 and 405 answers."""

    regex = r"(?!api/)[^/].*?"


@bp.record_once
def _register_converter(state):
    state.app.url_map.converters["appfile"] = AppFilePath


@bp.route("/")
def index():
    return send_from_directory(PWA_DIR, "index.html", max_age=0)


@bp.route("/<appfile:filename>")
def asset(filename: str):
    return send_from_directory(PWA_DIR, filename, max_age=0)
