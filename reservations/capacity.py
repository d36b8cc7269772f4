"""Locks on the days of a service, taken before any seat is counted or any day closed.

A checkout locks only the (service, day) pairs of its meals: checkouts of other days or other
services never wait on it. Days of a service with a capacity are locked exclusively (two
checkouts must not both count the last seat); days without a capacity share the lock, so
their checkouts run side by side, yet a closure, which locks its day exclusively, waits for
them and they for it. Everyone takes these locks first, in one order (by service, then date),
and the wallet's pots after: a checkout and a closure cannot deadlock.

PostgreSQL advisory transaction locks, released at commit or rollback. SQLite (the embedded
default) takes no such lock: it runs one writing transaction at a time anyway."""

from collections.abc import Iterable
from datetime import date

from django.db import connection

from .meals import FIRST_MEAL_DATE
from .models import ServiceCalendar

# The high byte keeps these keys apart from any other advisory lock of the platform.
_KEY_SPACE = 0x52 << 56


def lock_meal_days(meal_days: Iterable[tuple[int, date]], *, exclusive: bool = False) -> None:
    """Lock each (service id, date) pair until the end of the transaction: exclusively for a
    service with a daily capacity (or with `exclusive`, as a closure does), shared otherwise.
    One statement, which reads the capacities too."""
    pairs = sorted({(service_id, day) for service_id, day in meal_days if day is not None})
    if not pairs or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Sorted by position: PostgreSQL calls the (volatile) lock functions after sorting,
        # so the locks are taken in this order whatever the join does.
        cursor.execute(
            "SELECT CASE WHEN NOT %s AND calendar.daily_capacity IS NULL "
            "THEN pg_advisory_xact_lock_shared(day.key) ELSE pg_advisory_xact_lock(day.key) END "
            "FROM unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS day(key, service_id, n) "
            f"LEFT JOIN {ServiceCalendar._meta.db_table} AS calendar "
            "ON calendar.service_id = day.service_id ORDER BY day.n",
            [
                exclusive,
                [_key(service_id, day) for service_id, day in pairs],
                [service_id for service_id, _day in pairs],
            ],
        )


def _key(service_id: int, day: date) -> int:
    return _KEY_SPACE | (service_id << 24) | (day - FIRST_MEAL_DATE).days
