import os

import pytest
from django.db import connection


@pytest.fixture(scope="session", autouse=True)
def _postgres_is_required(django_db_setup, django_db_blocker):
    """CI sets REQUIRE_POSTGRES=1: the suite must never pass on another database by accident."""
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", "tests must run on PostgreSQL"
