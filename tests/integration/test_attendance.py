"""Pointage against PostgreSQL: a day's marks saved all or none, presence without booking only
for a beneficiary of the service, the month the billing run reads, and days frozen once billed."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reservations import attendance
from reservations.attendance import (
    AttendanceError,
    Mark,
    attendance_for_month,
    is_post_paid,
    lock_attendance,
    modifiers_for,
    record_attendance,
    register_post_paid_check,
    unbooked_base_price,
)
from reservations.attendance_pricing import DEFAULT_MODIFIERS, AttendanceModifiers
from reservations.models import Attendance, AttendanceState, BookingStatus, TariffGrid, TariffRow
from tests.booking_factories import (
    MEAL_DAY,
    OTHER_MEAL_DAY,
    accept_access,
    make_booking,
    make_canteen,
)
from tests.factories import AgentFactory, ParentFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

PRESENT = AttendanceState.PRESENT
ABSENT = AttendanceState.ABSENT
JUSTIFIED = AttendanceState.ABSENT_JUSTIFIED
UNBOOKED = AttendanceState.PRESENT_UNBOOKED


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def agent(canteen):
    _service, meal, _calendar = canteen
    return AgentFactory(communes=[meal.stockrecords.first().partner])


@pytest.fixture
def family(canteen):
    """Léa and Alice booked on MEAL_DAY, Hugo of the same family with access but not booked."""
    service, meal, _ = canteen
    parent = ParentFactory()
    lea, alice, hugo = (
        BeneficiaryFactory(account=parent, first_name=name) for name in ("Léa", "Alice", "Hugo")
    )
    accept_access(parent, meal, [lea, alice, hugo])
    bookings = {
        b.beneficiary.first_name: b
        for b in (
            make_booking(lea, service=service, tariff_option=meal),
            make_booking(alice, service=service, tariff_option=meal),
        )
    }
    return {"parent": parent, "lea": lea, "alice": alice, "hugo": hugo, "bookings": bookings}


def states(service, day=MEAL_DAY) -> dict[str, str]:
    return {
        a.beneficiary.first_name: a.state
        for a in Attendance.objects.filter(service=service, date=day).select_related("beneficiary")
    }


def test_a_day_pointage_saves_every_state_with_who_recorded_it(canteen, family, agent):
    service, _meal, _ = canteen

    saved = record_attendance(
        service,
        MEAL_DAY,
        [
            Mark(family["lea"].pk, PRESENT),
            Mark(family["alice"].pk, ABSENT),
            Mark(family["hugo"].pk, UNBOOKED),
        ],
        by=agent,
    )

    assert len(saved) == 3
    assert states(service) == {"Léa": PRESENT, "Alice": ABSENT, "Hugo": UNBOOKED}
    rows = Attendance.objects.filter(service=service)
    assert {a.recorded_by_id for a in rows} == {agent.pk}
    assert Attendance.objects.get(beneficiary=family["lea"]).booking == family["bookings"]["Léa"]
    assert Attendance.objects.get(beneficiary=family["hugo"]).booking is None


def test_pointing_the_day_again_changes_the_state_in_place(canteen, family, agent):
    service, _meal, _ = canteen
    record_attendance(service, MEAL_DAY, [Mark(family["lea"].pk, ABSENT)], by=agent)

    record_attendance(service, MEAL_DAY, [Mark(family["lea"].pk, JUSTIFIED)], by=agent)

    assert states(service) == {"Léa": JUSTIFIED}
    assert Attendance.objects.count() == 1


def test_one_wrong_mark_saves_nothing_and_says_why_in_french(canteen, family, agent):
    service, _meal, _ = canteen
    stranger = BeneficiaryFactory(first_name="Zoé")

    with pytest.raises(AttendanceError) as refused:
        record_attendance(
            service,
            MEAL_DAY,
            [
                Mark(family["lea"].pk, PRESENT),
                Mark(family["alice"].pk, UNBOOKED),
                Mark(stranger.pk, UNBOOKED),
                Mark(family["hugo"].pk, ABSENT),
            ],
            by=agent,
        )

    assert not Attendance.objects.exists()
    messages = " ".join(refused.value.messages)
    assert "Alice" in messages and "a une réservation ce jour-là" in messages
    assert "n'a pas d'accès accepté à ce service" in messages  # Zoé
    assert "seul « Présent sans réservation » est possible" in messages  # Hugo


def test_an_unknown_state_and_a_child_pointed_twice_are_refused(canteen, family, agent):
    service, _meal, _ = canteen

    with pytest.raises(AttendanceError) as refused:
        record_attendance(
            service,
            MEAL_DAY,
            [Mark(family["lea"].pk, "late"), Mark(family["lea"].pk, PRESENT)],
            by=agent,
        )

    assert "État de pointage inconnu" in str(refused.value)
    assert "pointé deux fois" in str(refused.value)
    assert not Attendance.objects.exists()


def test_a_cancelled_booking_does_not_count_as_booked(canteen, family, agent):
    service, meal, _ = canteen
    zoe = BeneficiaryFactory(account=family["parent"], first_name="Zoé")
    make_booking(zoe, service=service, tariff_option=meal, status=BookingStatus.CANCELLED)
    accept_access(family["parent"], meal, [zoe])

    record_attendance(service, MEAL_DAY, [Mark(zoe.pk, UNBOOKED)], by=agent)

    assert Attendance.objects.get(beneficiary=zoe).booking is None


def test_the_database_refuses_a_booking_on_an_unbooked_presence_and_the_reverse(canteen, family):
    service, _meal, _ = canteen
    booking = family["bookings"]["Léa"]
    now = timezone.now()
    common = {"service": service, "date": MEAL_DAY, "recorded_at": now}
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(
            beneficiary=family["lea"], booking=booking, state=UNBOOKED, **common
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(beneficiary=family["lea"], booking=None, state=PRESENT, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(beneficiary=family["lea"], booking=booking, state="x", **common)
    Attendance.objects.create(beneficiary=family["lea"], booking=booking, state=PRESENT, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(
            beneficiary=family["lea"], booking=booking, state=ABSENT, **common
        )


# --- The month and its lock --------------------------------------------------------------------


def test_the_month_lists_pointed_days_and_booked_days_nobody_pointed(canteen, family, agent):
    service, meal, _ = canteen
    other_service, other_meal, _ = make_canteen(title="Garderie de Rosières")
    make_booking(family["lea"], service=service, tariff_option=meal, day=OTHER_MEAL_DAY)
    make_booking(family["lea"], service=other_service, tariff_option=other_meal)
    make_booking(family["lea"], service=service, tariff_option=meal, day=datetime.date(2030, 4, 1))
    record_attendance(
        service,
        MEAL_DAY,
        [Mark(family["lea"].pk, ABSENT), Mark(family["hugo"].pk, UNBOOKED)],
        by=agent,
    )

    month = attendance_for_month([service.pk], 2030, 3)

    assert [(a.date, a.beneficiary.first_name, a.state, a.pk is None) for a in month] == sorted(
        [
            (MEAL_DAY, "Léa", ABSENT, False),
            (MEAL_DAY, "Alice", PRESENT, True),
            (MEAL_DAY, "Hugo", UNBOOKED, False),
            (OTHER_MEAL_DAY, "Léa", PRESENT, True),
        ],
        key=lambda row: (
            row[0],
            {"Léa": family["lea"].pk, "Alice": family["alice"].pk, "Hugo": family["hugo"].pk}[
                row[1]
            ],
        ),
    )
    unpointed = [a for a in month if a.pk is None]
    assert all(a.booking is not None and a.recorded_by is None for a in unpointed)


def test_locking_records_unpointed_bookings_present_and_freezes_the_day(canteen, family, agent):
    service, _meal, _ = canteen
    record_attendance(service, MEAL_DAY, [Mark(family["lea"].pk, ABSENT)], by=agent)

    locked = lock_attendance(service.pk, [MEAL_DAY])

    assert locked == 2
    assert states(service) == {"Léa": ABSENT, "Alice": PRESENT}
    assert Attendance.objects.get(beneficiary=family["alice"]).recorded_by is None
    assert not Attendance.objects.filter(locked_at__isnull=True).exists()
    assert lock_attendance(service.pk, [MEAL_DAY]) == 0


def test_a_billed_day_refuses_any_new_pointage_with_the_reason(canteen, family, agent):
    service, _meal, _ = canteen
    billed_at = datetime.datetime(2030, 4, 2, 9, 30, tzinfo=datetime.UTC)
    lock_attendance(service.pk, [MEAL_DAY], now=billed_at)

    with pytest.raises(AttendanceError) as refused:
        record_attendance(service, MEAL_DAY, [Mark(family["hugo"].pk, UNBOOKED)], by=agent)

    assert str(refused.value) == (
        "Le pointage du 12/03/2030 est verrouillé : la journée a été facturée le 02/04/2030 à "
        "11:30. Il ne peut plus être modifié."
    )
    assert states(service) == {"Léa": PRESENT, "Alice": PRESENT}


def test_locking_one_day_leaves_the_others_open(canteen, family, agent):
    service, meal, _ = canteen
    make_booking(family["lea"], service=service, tariff_option=meal, day=OTHER_MEAL_DAY)
    lock_attendance(service.pk, [MEAL_DAY])

    record_attendance(service, OTHER_MEAL_DAY, [Mark(family["lea"].pk, ABSENT)], by=agent)

    assert states(service, OTHER_MEAL_DAY) == {"Léa": ABSENT}


# --- What a day costs --------------------------------------------------------------------------


def test_modifiers_come_from_the_grid_and_default_without_one(canteen):
    service, _meal, _ = canteen
    other_service, _other_meal, _ = make_canteen(title="Garderie de Rosières")
    TariffGrid.objects.create(
        service=service, absent_percent=Decimal(50), present_unbooked_percent=Decimal(200)
    )

    found = modifiers_for([service.pk, other_service.pk])

    assert found[service.pk] == AttendanceModifiers(
        present=Decimal(100),
        absent=Decimal(50),
        absent_justified=Decimal(0),
        present_unbooked=Decimal(200),
    )
    assert found[other_service.pk] == DEFAULT_MODIFIERS


def test_the_database_refuses_a_negative_percentage(canteen):
    service, _meal, _ = canteen
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffGrid.objects.create(service=service, absent_percent=Decimal(-1))


def test_an_unbooked_day_is_priced_by_the_grid_with_the_familys_quotient_and_rank(canteen, family):
    service, meal, _ = canteen
    grid = TariffGrid.objects.create(service=service)
    for rank, price in ((1, "4.00"), (2, "3.00"), (3, "2.00")):
        TariffRow.objects.create(
            grid=grid, category="child", residence="any", sibling_rank=rank, unit_price=price
        )
    # Léa and Alice are booked that day: Hugo, the youngest of three, is the 3rd child.
    for child, birth in (("lea", 2016), ("alice", 2017), ("hugo", 2019)):
        family[child].birth_date = datetime.date(birth, 1, 1)
        family[child].save()

    price = unbooked_base_price(family["hugo"], service, MEAL_DAY)

    assert price.unit_price == Decimal("2.00")
    assert price.rank == 3
    assert price.explanation_fr


def test_an_unbooked_day_of_a_child_without_access_has_no_price(canteen):
    service, _meal, _ = canteen
    with pytest.raises(AttendanceError, match="n'a pas d'accès accepté"):
        unbooked_base_price(BeneficiaryFactory(first_name="Zoé"), service, MEAL_DAY)


def test_every_service_is_prepaid_until_billing_registers_its_check(canteen, monkeypatch):
    service, _meal, _ = canteen
    monkeypatch.setattr(attendance, "_post_paid_checks", [])
    assert not is_post_paid(service)

    register_post_paid_check(lambda service_id: service_id == service.pk)

    assert is_post_paid(service)
    assert is_post_paid(service.pk)


def test_a_mistaken_presence_without_booking_is_withdrawn(canteen, family, agent):
    service, _meal, _ = canteen
    record_attendance(service, MEAL_DAY, [Mark(family["hugo"].pk, UNBOOKED)], by=agent)

    record_attendance(
        service,
        MEAL_DAY,
        [Mark(family["lea"].pk, PRESENT)],
        by=agent,
        not_there=[family["hugo"].pk, family["lea"].pk],
    )

    assert states(service) == {"Léa": PRESENT}


def test_a_booking_cancelled_after_its_pointage_is_not_in_the_month(canteen, family, agent):
    service, _meal, _ = canteen
    record_attendance(service, MEAL_DAY, [Mark(family["lea"].pk, ABSENT)], by=agent)
    booking = family["bookings"]["Léa"]
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.save()

    month = attendance_for_month([service.pk], 2030, 3)

    assert [a.beneficiary.first_name for a in month] == ["Alice"]


@pytest.mark.parametrize("count", [10, 60])
def test_saving_a_day_costs_the_same_queries_whatever_the_number_of_children(
    canteen, agent, count, django_assert_max_num_queries
):
    service, meal, _ = canteen
    parent = ParentFactory()
    kids = [BeneficiaryFactory(account=parent, first_name=f"Enfant{n}") for n in range(count)]
    accept_access(parent, meal, kids)
    booked = kids[: count // 2]
    for kid in booked:
        make_booking(kid, service=service, tariff_option=meal)
    record_attendance(service, MEAL_DAY, [Mark(k.pk, PRESENT) for k in booked[:3]], by=agent)
    marks = [Mark(k.pk, ABSENT) for k in booked] + [
        Mark(k.pk, UNBOOKED) for k in kids[count // 2 :]
    ]

    with django_assert_max_num_queries(14):
        record_attendance(service, MEAL_DAY, marks, by=agent)

    assert Attendance.objects.filter(service=service).count() == count
