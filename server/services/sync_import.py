"""Importing a phone's exported unsynced-data file (sync/PROTOCOL.md section 8).

The file is the last resort when a phone cannot sync: its outbox exactly as
a push would carry it, plus the bytes of the photos it has not uploaded.
Importing it is that push, made on the file user's behalf with source
"import", followed by those uploads. Both are idempotent, so importing a file
twice, or after the phone pushed part of it, applies only what is new.
"""

from __future__ import annotations

import json
import logging
import uuid

from marshmallow import ValidationError

from server.authz import ADMIN
from server.errors import ApiError, validation_error
from server.extensions import db
from server.json_limits import check_json_depth
from server.models import User
from server.schemas.sync import EXPORT_FORMAT_VERSIONS, ExportHeaderSchema, UnsyncedFileSchema
from server.services import photos, sync_push

log = logging.getLogger("seamline.sync_import")
SOURCE = "import"


def read_file(raw: bytes) -> dict:
    """The file's content, validated: 400 naming the fields at fault, 409 for a format version we cannot read."""
    check_json_depth(raw)
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
        raise ApiError(400, "invalid_json", "The file is not valid JSON.") from exc
    try:
        header = ExportHeaderSchema().load(document)
    except ValidationError as exc:
        raise ApiError(400, "not_an_export", "This is not a Seamline unsynced-data file.", exc.messages) from exc
    if header["format_version"] not in EXPORT_FORMAT_VERSIONS:
        raise ApiError(409, "unsupported_format_version", "This server cannot read this file's format version; "
                       "update the server, and keep the file.",
                       {"supported_format_versions": sorted(EXPORT_FORMAT_VERSIONS)})
    try:
        return UnsyncedFileSchema().load(document)
    except ValidationError as exc:
        raise validation_error(exc.messages, "The file has invalid fields.") from exc


def import_file(importer: User | None, document: dict) -> dict:
    """Apply a read file: its mutations as one push, then its photos, with the file user's permissions.

    ``importer`` is who asked: the file's user or an admin; None is the
    server console, which may import anyone's file.
    """
    user = _file_user(importer, document["user"]["id"])
    answer = sync_push.push(user, document, source=SOURCE)
    photo_counts = _store_photos(user, document["photos"])
    log.info("imported unsynced file of user %s, client %s, by %s", user.id, document["client_id"],
             importer.id if importer is not None else "the console")
    return {"client_id": document["client_id"], "user_id": user.id, "last_mutation_id": answer["last_mutation_id"],
            "database_id": answer["database_id"], "mutations": _mutation_counts(answer["results"]),
            "photos": photo_counts}


def _file_user(importer: User | None, user_id: uuid.UUID) -> User:
    """The file's user, whose permissions apply: an admin's never do, so an import can do no more than the phone."""
    if importer is not None and importer.id != user_id and importer.role not in ADMIN:
        raise ApiError(403, "not_your_file", "This file holds another user's changes; an administrator can "
                                             "import it.")
    user = db.session.get(User, user_id)
    if user is None:
        raise validation_error({"user": {"id": ["No such user."]}}, "The file has invalid fields.")
    if not user.is_active:
        raise ApiError(409, "user_inactive", "The file's user is deactivated; reactivate the account to import "
                                             "their changes.")
    return user


def _mutation_counts(results: list[dict]) -> dict:
    applied = [r for r in results if r["status"] in ("applied", "applied_with_conflicts")]
    rejected = [r for r in results if r["status"] == "rejected"]
    return {"applied": len(applied),
            "with_conflicts": sum(r["status"] == "applied_with_conflicts" for r in applied),
            "duplicate": sum(r["status"] == "duplicate" for r in results),
            "rejected": len(rejected),
            "rejections": [{k: r[k] for k in ("id", "code", "message", "fields")} for r in rejected]}


def _store_photos(user: User, exported: list[dict]) -> dict:
    """Each photo through the upload path on its own: one refused photo never stops the others."""
    counts = {"stored": 0, "present": 0, "refused": 0, "refusals": []}
    for photo in exported:
        try:
            stored = photos.store_complete(user, photo["sha256"], photo["data"], SOURCE)
        except ApiError as exc:
            counts["refused"] += 1
            counts["refusals"].append({"sha256": photo["sha256"], "code": exc.code, "message": exc.message})
            continue
        counts["stored" if stored else "present"] += 1
    return counts
