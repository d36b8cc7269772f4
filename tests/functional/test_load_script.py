"""The pure parts of the load benchmark (scripts/load_test.py) and its seeding through the real
use cases; the load run itself is a benchmark, not a test."""

from datetime import date
from decimal import Decimal

import pytest

from reservations.models import AccessStatus, Beneficiary, ServiceAccess
from scripts._bench_support import percentile, seed_canteens, seed_families
from scripts.load_test import (
    ActiveBooking,
    PaidLine,
    bookable_days,
    consistency_problems,
    read_consistency_rows,
    seeded_families,
)
from wallet import ledger

TODAY = date(2026, 11, 2)


def test_percentiles_interpolate_between_the_closest_samples():
    samples = [float(value) for value in range(1, 101)]
    assert percentile(samples, 0.50) == pytest.approx(50.5)
    assert percentile(samples, 0.95) == pytest.approx(95.05)
    assert percentile(samples, 0.99) == pytest.approx(99.01)
    assert percentile([0.3], 0.99) == 0.3


def test_a_percentile_of_no_sample_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 0.5)


def _order(number, *prices, first_line=1):
    lines = [PaidLine(first_line + n, number, Decimal(price)) for n, price in enumerate(prices)]
    bookings = [
        ActiveBooking(100 + line.line_id, line.line_id, "confirmed", line.price) for line in lines
    ]
    return lines, bookings


def test_paid_lines_with_one_confirmed_booking_each_are_consistent():
    lines, bookings = _order("1001", "3.30", "2.90")
    totals = {"1001": Decimal("6.20")}
    assert consistency_problems(lines, totals, bookings, {"1001": Decimal("6.20")}) == []


def test_every_break_of_the_booking_order_rules_is_reported():
    lines, bookings = _order("1001", "3.30", "2.90", "1.50")
    stray = ActiveBooking(900, None, "confirmed", Decimal("3.30"))
    bookings = [
        bookings[0]._replace(price=Decimal("1.20")),  # repriced after payment
        # line 2 lost its booking; line 3's booking is still waiting for a payment
        bookings[2]._replace(status="pending_payment"),
        stray,  # confirmed without a paid line
    ]
    problems = consistency_problems(
        lines, {"1001": Decimal("9.00")}, bookings, {"1001": Decimal("7.00")}
    )
    assert problems == [
        "booking 101 costs 1.20, its line 3.30",
        "paid order line 2 (order 1001) has [] active bookings instead of one confirmed",
        "paid order line 3 (order 1001) has ['pending_payment'] active bookings instead of one "
        "confirmed",
        "confirmed booking 900 is not of a paid order line",
        "order 1001 totals 9.00, its lines 7.70",
        "order 1001 totals 9.00, the wallet paid 7.00",
    ]


def test_the_calendar_answer_gives_each_bookable_day_its_children():
    def month(child, days):
        return {
            "beneficiary": {"id": child, "name": "…"},
            "services": [
                {"service": {"id": 7}, "days": [{"date": d, "state": s} for d, s in days]},
                {"service": {"id": 8}, "days": [{"date": "2026-12-01", "state": "bookable"}]},
            ],
        }

    answer = [
        month(1, [("2026-12-01", "bookable"), ("2026-12-03", "booked")]),
        month(2, [("2026-12-01", "bookable"), ("2026-12-03", "bookable")]),
    ]
    assert bookable_days(answer, 7) == {"2026-12-01": {1, 2}, "2026-12-03": {2}}


@pytest.mark.django_db
def test_three_families_are_seeded_through_the_use_cases_ready_to_book():
    services = seed_canteens(2, label="t", capacity=50, today=TODAY)
    families = seed_families(services, 3, label="t", wallet=Decimal("40.00"), today=TODAY)

    assert [family.service_id for family in families] == [s.pk for s in (*services, services[0])]
    assert [len(family.beneficiary_ids) for family in families] == [1, 2, 3]
    assert seeded_families("t") == families
    for family in families:
        access = ServiceAccess.objects.get(beneficiaries=family.beneficiary_ids[0])
        assert access.status == AccessStatus.ACCEPTED
        assert access.account.is_validated
        assert access.tariff_option.parent_id == family.service_id
        assert ledger.general_pot(access.account).balance == Decimal("40.00")
        assert Beneficiary.objects.filter(account=access.account).count() == len(
            family.beneficiary_ids
        )
    assert all(service.calendar.daily_capacity == 50 for service in services)
    # Nothing booked yet: the ledger's top-ups and no order agree.
    assert consistency_problems(*read_consistency_rows()) == []
