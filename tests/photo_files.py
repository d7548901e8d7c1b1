"""What a test app's photo storage holds, the same way on local disk and on S3.

``stored_files(app)`` lists ``objects/<name>`` for each finished object and ``parts/<key>`` for each
upload in progress that holds bytes, read straight from the disk or the bucket (not through the app).
"""

from __future__ import annotations

import os


def stored_files(app) -> list[str]:
    config = app.config
    if config["PHOTO_STORAGE"] == "s3":
        return _in_bucket(config)
    return _on_disk(config["PHOTO_DIR"])


def objects(app) -> list[str]:
    return [entry.removeprefix("objects/") for entry in stored_files(app) if entry.startswith("objects/")]


def parts(app) -> list[str]:
    return [entry.removeprefix("parts/") for entry in stored_files(app) if entry.startswith("parts/")]


def _on_disk(root: str) -> list[str]:
    found = set()
    for folder, _dirs, files in os.walk(root):
        kind = os.path.relpath(folder, root).split(os.sep)[0]
        for name in files:
            if kind == "objects" and not name.startswith("."):
                found.add(f"objects/{name}")
            elif kind == "parts" and name.endswith(".part") and os.path.getsize(os.path.join(folder, name)) > 0:
                found.add(f"parts/{name.removesuffix('.part')}")
    return sorted(found)


def _in_bucket(config) -> list[str]:
    from server.photos import S3Storage

    store = S3Storage.from_settings(
        bucket=config["S3_BUCKET"], prefix=config["S3_PREFIX"], endpoint_url=config["S3_ENDPOINT_URL"],
        region=config["S3_REGION"], access_key_id=config["S3_ACCESS_KEY_ID"],
        secret_access_key=config["S3_SECRET_ACCESS_KEY"], addressing_style=config["S3_ADDRESSING_STYLE"])
    found = set()
    for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=store.prefix):
        for item in page.get("Contents", []):
            kind, name, *_rest = item["Key"].removeprefix(store.prefix).split("/") + [""]
            if kind in ("objects", "parts") and name:
                found.add(f"{kind}/{name}")
    return sorted(found)
