"""Photo downloads from S3: streamed through the app, or a redirect to a short-lived presigned URL."""

from __future__ import annotations

import itertools
import urllib.parse
import urllib.request

import pytest
import world
from apps import ApiClient, dispose, make_app
from test_photos import _jpeg, _record, _sha, _upload

_prefixes = itertools.count()


@pytest.fixture
def s3_app(backend, templates, tmp_path, s3_server):
    """An app on a world database, storing photos on S3 and answering downloads with presigned URLs."""
    settings = s3_server.settings(s3_server.bucket, prefix=f"downloads-{next(_prefixes)}/")
    app = make_app(templates.copy(backend, "world"), tmp_path, **settings, S3_PRESIGNED_URL_SECONDS=120)
    yield app
    dispose(app)


def _login(app, persona):
    client = ApiClient(app.test_client())
    assert client.login(world.PERSONAS[persona][0], world.PASSWORD).status_code == 200
    return client


def test_a_download_redirects_to_a_presigned_url_that_serves_the_photo(s3_app):
    inspector = _login(s3_app, "inspector_a")
    sha = _upload(inspector, _jpeg(seed=40))
    _record(inspector, sha)
    answer = inspector.get(f"/api/v1/photos/{sha}?size=thumb")
    assert answer.status_code == 302 and answer.headers["Cache-Control"] == "private, no-store"
    location = answer.headers["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert "Signature" in query or "X-Amz-Signature" in query  # signed, so it works without the app's session
    with urllib.request.urlopen(location, timeout=30) as served:
        thumb = served.read()
        assert served.headers["Content-Type"] == "image/jpeg"
    s3_app.config["S3_PRESIGNED_URL_SECONDS"] = 0  # streamed through the app instead: the same bytes
    streamed = inspector.get(f"/api/v1/photos/{sha}?size=thumb")
    assert streamed.status_code == 200 and streamed.data == thumb


def test_no_presigned_url_for_who_may_not_see_the_photo(s3_app):
    inspector = _login(s3_app, "inspector_a")
    sha = _upload(inspector, _jpeg(seed=41))
    _record(inspector, sha)
    assert _login(s3_app, "inspector_b").get(f"/api/v1/photos/{sha}").status_code == 404
    pending = _jpeg(seed=42)
    _record(inspector, _sha(pending))
    answer = inspector.get(f"/api/v1/photos/{_sha(pending)}")
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "photo_pending"


def test_the_app_lets_images_load_from_the_bucket_only_when_downloads_redirect_there(s3_app, s3_server):
    policy = s3_app.test_client().get("/").headers["Content-Security-Policy"]
    assert f"img-src 'self' {s3_server.endpoint_url} blob: data:;" in policy
    s3_app.config["S3_PRESIGNED_URL_SECONDS"] = 0
    assert "img-src 'self' blob: data:;" in s3_app.test_client().get("/").headers["Content-Security-Policy"]
