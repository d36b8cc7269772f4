"""Test settings: the real PostgreSQL and Redis of the machine, fast and deterministic."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, VAR_DIR, dj_database_url
from .env import env_str

# `make test` runs the tests on several processes (pytest-xdist: gw0, gw1…). pytest-django gives
# each its own test database (test_portail_gw0…); its Redis database and media folders are here.
_WORKER_NAME = os.environ.get("PYTEST_XDIST_WORKER", "")
_WORKER = int(_WORKER_NAME.removeprefix("gw") or 0)
_WORKER_SUFFIX = f"-{_WORKER_NAME}" if _WORKER_NAME else ""

# Tests need PostgreSQL (row locks, full-text search): never fall back to the SQLite file.
DATABASES["default"] = dj_database_url.parse(
    env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portail"), conn_max_age=0
)
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_portail")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, whose flush (after each transactional test) deletes rows instead of
    # truncating some 170 tables: see tests/postgresql/base.py.
    DATABASES["default"]["ENGINE"] = "tests.postgresql"
    # A throwaway database need not wait for the disk at each commit (the live server's, the
    # concurrency tests' threads', the migrations'): a crash could lose the last transactions,
    # never the database's consistency, and a test database is recreated anyway.
    DATABASES["default"]["OPTIONS"] = {"options": "-c synchronous_commit=off"}

# Password hashing dominates the run time of account tests; MD5 is fine for throwaway users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Mail: the task backend still runs (eager tasks), delivering into django.core.mail.outbox.
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Tasks run eagerly unless a test starts a real worker (tests/integration/test_celery_worker.py).
# The broker and result backend are set from the start anyway: Celery caches both on first use.
# Redis database 14 for the first process, 13 for the second…
CELERY_BROKER_URL = env_str("TEST_CELERY_BROKER_URL", f"redis://127.0.0.1:6379/{14 - _WORKER}")
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = True

# Each test starts from an empty cache, not from another test's leftovers.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# whitenoise's manifest needs collectstatic; tests render templates without it.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = str(VAR_DIR / f"test-media{_WORKER_SUFFIX}")
PRIVATE_MEDIA_ROOT = str(VAR_DIR / f"test-private{_WORKER_SUFFIX}")
