"""The billing run locks a day while an agent saves its pointage, with real threads on
PostgreSQL. Both take the day's lock (reservations/capacity.py) exclusively: the pointage that
queues behind the billing is refused once the day is billed, and the billing that queues behind
a pointage locks the marks it saved. Never an unlocked row on a billed day.

Each ordering is forced by pausing one side while it holds the lock (as the closure race does)."""

import threading
import time

import pytest
from django.db import connection

from reservations import attendance, capacity
from reservations.attendance import AttendanceError, Mark, lock_attendance, record_attendance
from reservations.models import Attendance, AttendanceState
from tests.booking_factories import MEAL_DAY, accept_access, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAUSE = 0.5  # long enough for the other thread to queue on the lock
TIMEOUT = 30


@pytest.fixture
def world():
    service, meal, _ = make_canteen()
    agent = AgentFactory(communes=[meal.stockrecords.first().partner])
    parent = ParentFactory()
    lea = BeneficiaryFactory(account=parent, first_name="Léa")
    hugo = BeneficiaryFactory(account=parent, first_name="Hugo")
    accept_access(parent, meal, [lea, hugo])
    make_booking(lea, service=service, tariff_option=meal)
    return {"service": service, "agent": agent, "lea": lea, "hugo": hugo}


def run_together(first, second) -> list:
    """`first` in a thread, `second` in another once `first` holds the lock; each outcome is
    what the callable returned or the exception it raised."""
    outcomes = [None, None]

    def worker(index, work):
        try:
            outcomes[index] = work()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, w)) for i, w in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
        assert not thread.is_alive(), "a thread is stuck"
    return outcomes


def pause_holding_the_lock(monkeypatch, event):
    """The first thread to take a day's lock signals it, then holds it for a moment."""
    original = capacity.lock_meal_days

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        if not event.is_set():
            event.set()
            time.sleep(PAUSE)
        return result

    monkeypatch.setattr(capacity, "lock_meal_days", paused)


def after(event, work):
    def waiting():
        assert event.wait(TIMEOUT), "the other thread never took the lock"
        return work()

    return waiting


def test_a_pointage_queued_behind_the_billing_is_refused(world, monkeypatch):
    service = world["service"]
    locked = threading.Event()
    pause_holding_the_lock(monkeypatch, locked)
    marks = [Mark(world["lea"].pk, AttendanceState.ABSENT)]

    billed, pointed = run_together(
        lambda: lock_attendance(service.pk, [MEAL_DAY]),
        after(locked, lambda: record_attendance(service, MEAL_DAY, marks, by=world["agent"])),
    )

    assert billed == 1
    assert isinstance(pointed, AttendanceError)
    assert "est verrouillé" in str(pointed)
    row = Attendance.objects.get()
    assert (row.state, row.locked_at is not None) == (AttendanceState.PRESENT, True)


def test_a_billing_queued_behind_a_pointage_locks_what_it_saved(world, monkeypatch):
    service = world["service"]
    locked = threading.Event()
    pause_holding_the_lock(monkeypatch, locked)
    marks = [
        Mark(world["lea"].pk, AttendanceState.ABSENT),
        Mark(world["hugo"].pk, AttendanceState.PRESENT_UNBOOKED),
    ]

    pointed, billed = run_together(
        lambda: record_attendance(service, MEAL_DAY, marks, by=world["agent"]),
        after(locked, lambda: lock_attendance(service.pk, [MEAL_DAY])),
    )

    assert len(pointed) == 2
    assert billed == 2
    assert not Attendance.objects.filter(locked_at__isnull=True).exists()
    assert set(Attendance.objects.values_list("state", flat=True)) == {
        AttendanceState.ABSENT,
        AttendanceState.PRESENT_UNBOOKED,
    }
    assert attendance.day_lock(service.pk, MEAL_DAY) is not None
