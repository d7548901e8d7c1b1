"""gzip for text answers when the client asks for it; everything else untouched."""

from __future__ import annotations

import gzip

GZIP = {"Accept-Encoding": "gzip, deflate"}


def test_json_is_gzipped_for_clients_that_ask(login_as):
    client = login_as("inspector_a").raw
    plain = client.get("/api/v1/aql/tables")
    packed = client.get("/api/v1/aql/tables", headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3


def test_small_answers_and_errors_stay_plain(client):
    assert "Content-Encoding" not in client.get("/api/v1/health", headers=GZIP).headers
    missing = client.get("/api/v1/inspections/not-a-uuid", headers=GZIP)
    assert missing.status_code in (401, 404) and "Content-Encoding" not in missing.headers
    assert missing.get_json()["error"]["code"]


def test_shell_files_are_gzipped_and_still_revalidate(client):
    first = client.get("/js/db.js", headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    assert b"openDatabase" in gzip.decompress(first.data)
    again = client.get("/js/db.js", headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_photos_are_not_recompressed(login_as):
    import world

    inspector = login_as("inspector_a")
    answer = inspector.raw.get(f"/api/v1/photos/{'cd' * 32}", headers=GZIP)
    assert "Content-Encoding" not in answer.headers  # pending photo: a JSON error, or image bytes; never gzip
    assert world.PHOTO_A
