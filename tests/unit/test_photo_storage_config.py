"""PHOTO_STORAGE and the S3_* settings: read from the environment, refused when they cannot work."""

from __future__ import annotations

import pytest

from server.config import ConfigError, load_config

S3_VARIABLES = ("PHOTO_STORAGE", "S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID",
                "S3_SECRET_ACCESS_KEY", "S3_ADDRESSING_STYLE", "S3_PRESIGNED_URL_SECONDS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    monkeypatch.setenv("SEAMLINE_ENV", "testing")
    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_local_disk_is_the_default():
    config = load_config()
    assert config["PHOTO_STORAGE"] == "local" and config["S3_PRESIGNED_URL_SECONDS"] == 0


def test_s3_settings_come_from_the_environment(monkeypatch):
    for name, value in {"PHOTO_STORAGE": "S3", "S3_BUCKET": "photos", "S3_PREFIX": "seamline/",
                        "S3_ENDPOINT_URL": "http://minio:9000", "S3_REGION": "eu-central-1",
                        "S3_ACCESS_KEY_ID": "key", "S3_SECRET_ACCESS_KEY": "secret", "S3_ADDRESSING_STYLE": "path",
                        "S3_PRESIGNED_URL_SECONDS": "300"}.items():
        monkeypatch.setenv(name, value)
    config = load_config()
    assert {name: config[name] for name in S3_VARIABLES} == {
        "PHOTO_STORAGE": "s3", "S3_BUCKET": "photos", "S3_PREFIX": "seamline/", "S3_ENDPOINT_URL": "http://minio:9000",
        "S3_REGION": "eu-central-1", "S3_ACCESS_KEY_ID": "key", "S3_SECRET_ACCESS_KEY": "secret",
        "S3_ADDRESSING_STYLE": "path", "S3_PRESIGNED_URL_SECONDS": 300}


def test_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("PHOTO_STORAGE", "s3")
    assert load_config({"PHOTO_STORAGE": "local"})["PHOTO_STORAGE"] == "local"


@pytest.mark.parametrize("settings, complaint", [
    ({"PHOTO_STORAGE": "ftp"}, "PHOTO_STORAGE"),
    ({"PHOTO_STORAGE": "s3"}, "S3_BUCKET"),
    ({"PHOTO_STORAGE": "s3", "S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "key"}, "S3_SECRET_ACCESS_KEY"),
    ({"S3_ADDRESSING_STYLE": "sideways"}, "S3_ADDRESSING_STYLE"),
    ({"S3_PRESIGNED_URL_SECONDS": "-5"}, "S3_PRESIGNED_URL_SECONDS"),
])
def test_settings_that_cannot_work_are_refused(monkeypatch, settings, complaint):
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=complaint):
        load_config()
