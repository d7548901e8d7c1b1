"""gunicorn settings for serving Seamline in production.

    gunicorn -c deploy/gunicorn.conf.py

Run it from the repository (or with PYTHONPATH pointing at it); the app reads its own settings
(DATABASE_URL, SECRET_KEY, PHOTO_STORAGE, S3_*, ...) from the environment, see README. What the
workers share lives in the database (sessions, API tokens, the wrong-password throttle, upload
bookkeeping, the change counter) and in the photo storage (the bytes of uploads in progress and of
stored photos): any worker, on any host, can take any request, so workers and hosts can be added
freely. With PHOTO_STORAGE=local all hosts must share PHOTO_DIR (uploads are locked with flock);
with S3 they share the bucket.

Environment variables (each has a sensible default):

    GUNICORN_BIND         where to listen                      0.0.0.0:8000
    WEB_CONCURRENCY       worker processes                     2 x CPU cores + 1, at most 8
    GUNICORN_THREADS      threads per worker (gthread if > 1)  1
    GUNICORN_TIMEOUT      seconds a request may take           120 (a 50-megapixel photo is processed in-request)
    GUNICORN_ACCESS_LOG   access log file, "-" for stdout      -
    FORWARDED_ALLOW_IPS   proxies whose X-Forwarded-Proto is believed   127.0.0.1,::1
                          (the app's TRUSTED_PROXY_HOPS decides whose X-Forwarded-For counts)
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


wsgi_app = "server:create_app()"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",") if address.strip()]
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# Not preloaded: every worker builds its own app, and so its own database pool and S3 client. A pool
# made before the fork would hand the same connections to several processes.
preload_app = False

timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30  # a restart lets requests in flight (a photo being processed) finish
keepalive = 5  # behind a proxy that keeps connections open

# Recycle workers now and then, staggered, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# Phones send photo chunks of at most 1 MiB in the body; the request line and headers stay small.
limit_request_line = 8190
limit_request_fields = 100

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The peer's address (the proxy's, behind one), the request, status, bytes, microseconds taken, the worker.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(a)s" worker=%(p)s'

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "seamline"
