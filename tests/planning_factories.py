"""A bookable canteen for the planning tests: a commune's service with a calendar (Mon, Tue,
Thu, Fri, school year 2026–2027, zone A, J-2 working days at 10:00), a tariff grid by family
quotient and rank, and a family whose access to it is accepted."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from reservations.models import (
    AccessStatus,
    OpeningPeriod,
    SchoolClass,
    ServiceAccess,
    ServiceCalendar,
    TariffGrid,
    TariffRow,
)
from reservations.rules import PARIS
from tests.factories import ParentFactory, PartnerFactory
from tests.reservations_factories import BeneficiaryFactory
from tests.shop_data import make_service

# A Monday of December 2026, well before any deadline of the month.
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=PARIS)

GRID = (  # (QF from, QF below, rank, price)
    (None, Decimal("500"), 1, "1.50"),
    (Decimal("500"), None, 1, "3.30"),
    (None, Decimal("500"), 2, "1.20"),
    (Decimal("500"), None, 2, "2.90"),
)


def make_canteen(commune=None, *, capacity=None, grid=True, title="Cantine de Rosières"):
    """Returns (service, children option, adults option)."""
    commune = commune or PartnerFactory(name="Rosières")
    service, (children, adults) = make_service(
        commune,
        title,
        {"Réservation cantine pour enfants": "3.30", "Réservation cantine pour adultes": "5.90"},
    )
    calendar = ServiceCalendar.objects.create(service=service, daily_capacity=capacity)
    OpeningPeriod.objects.create(
        calendar=calendar,
        start=date(2026, 9, 1),
        end=date(2027, 7, 3),
        label="Année scolaire 2026–2027",
    )
    if grid:
        tariff = TariffGrid.objects.create(service=service)
        for low, high, rank, price in GRID:
            TariffRow.objects.create(
                grid=tariff,
                category="child",
                family_quotient_min=low,
                family_quotient_max=high,
                sibling_rank=rank,
                unit_price=Decimal(price),
            )
        TariffRow.objects.create(grid=tariff, category="adult", unit_price=Decimal("5.90"))
    return service, children, adults


def accept(account, option, beneficiaries, *, quotient="800"):
    access = ServiceAccess.objects.create(
        account=account,
        tariff_option=option,
        commune=option.stockrecords.first().partner,
        status=AccessStatus.ACCEPTED,
        family_quotient=None if quotient is None else Decimal(quotient),
        decided_at=timezone.now(),
    )
    access.beneficiaries.add(*beneficiaries)
    return access


@dataclass
class Family:
    parent: object
    children: list
    access: ServiceAccess


def make_family(option, *, children=2, quotient="800", parent=None):
    """A validated parent with `children` children (eldest first) whose access is accepted."""
    parent = parent or ParentFactory()
    kids = [
        BeneficiaryFactory(
            account=parent, birth_date=date(2016 + n, 3, 1), school_class=SchoolClass.CE2
        )
        for n in range(children)
    ]
    return Family(parent, kids, accept(parent, option, kids, quotient=quotient))
