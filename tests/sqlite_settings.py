"""The embedded default (config/settings/dev.py: SQLite) on a throw-away database file, for the
tests that replay the same operations on SQLite as on PostgreSQL (tests/ledger_replay.py).

The schema is created from the models (`migrate --run-syncdb` without migration modules): the
same tables, columns and constraints as the migrations make, in seconds rather than the minutes
SQLite takes to replay every migration's table rebuilds."""

import os

import dj_database_url

from config.settings.dev import *  # noqa: F403
from config.settings.dev import DATABASES

DATABASES["default"] = dj_database_url.parse(f"sqlite:///{os.environ['REPLAY_SQLITE_PATH']}")
# As config/settings/base.py sets them for the embedded default.
DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}


class _NoMigrations(dict):
    """Every app without migrations, as pytest-django's --nomigrations does."""

    def __contains__(self, app_label):
        return True

    def __getitem__(self, app_label):
        return None


MIGRATION_MODULES = _NoMigrations()
