"""Builders for bookings tests: a canteen with a calendar, meal lines in a basket (built here,
as the basket API would), bookings made directly, and the wallet helpers of the checkout."""

import datetime
import json
from decimal import Decimal

from django.utils import timezone
from oscar.core.loading import get_class, get_model

from accounts.roles import ActorRole
from reservations.meals import BENEFICIARY_OPTION, DATE_OPTION, PRICE_EXPLANATION_OPTION
from reservations.models import (
    AccessStatus,
    Booking,
    BookingStatus,
    OpeningPeriod,
    ServiceAccess,
    ServiceCalendar,
)
from tests.factories import PartnerFactory
from tests.reservations_factories import BeneficiaryFactory
from tests.shop_data import make_service
from wallet import ledger

Basket = get_model("basket", "Basket")
Option = get_model("catalogue", "Option")
Selector = get_class("partner.strategy", "Selector")

# Far enough ahead that the default rule (J-2 ouvrés à 10:00) never locks them in real time;
# 12/03/2030 is a Tuesday, none of these days is a public holiday.
MEAL_DAY = datetime.date(2030, 3, 12)
OTHER_MEAL_DAY = datetime.date(2030, 3, 14)


def meal_options() -> dict[str, object]:
    """The Oscar options of a meal line, by code (the basket side's data migration creates the
    same codes; get_or_create keeps both worlds happy)."""
    names = {
        BENEFICIARY_OPTION: "Bénéficiaire",
        DATE_OPTION: "Date",
        PRICE_EXPLANATION_OPTION: "Détail du prix",
    }
    return {
        code: Option.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in names.items()
    }


def make_canteen(
    commune=None,
    *,
    title="Cantine de Rosières",
    price="3.30",
    capacity=None,
    cancellation_rule=None,
):
    """A canteen open every day of 2030 with no school holidays, and its "Repas enfant"
    tariff option. Returns (service, tariff option, calendar)."""
    commune = commune or PartnerFactory(name="Rosières")
    service, (meal,) = make_service(commune, title, {"Repas enfant": price})
    calendar = ServiceCalendar.objects.create(
        service=service,
        open_weekdays=[1, 2, 3, 4, 5, 6, 7],
        closed_during_school_holidays=False,
        daily_capacity=capacity,
        cancellation_rule_params=cancellation_rule
        or {"days": 2, "working_days": True, "at": "10:00"},
    )
    OpeningPeriod.objects.create(
        calendar=calendar,
        start=datetime.date(2025, 9, 1),
        end=datetime.date(2030, 12, 31),
        label="Test",
    )
    return service, meal, calendar


def explanation(price: str) -> dict:
    return {
        "unit_price": price,
        "bracket_label": "QF de 0 à 500 €",
        "rank": 1,
        "residence": "resident",
        "explanation_fr": f"Tarif 1er enfant, résident : {price} €",
    }


def open_basket(owner):
    basket, _ = Basket.open.get_or_create(owner=owner)
    basket.strategy = Selector().strategy(user=owner)
    return basket


def add_meals(owner, tariff_option, meals, price="3.30"):
    """The owner's basket with one meal line per (beneficiary, date), options as the basket
    side writes them: beneficiary id and ISO date as strings, the explanation as JSON."""
    options = meal_options()
    basket = open_basket(owner)
    accept_access(owner, tariff_option, [beneficiary for beneficiary, _day in meals])
    for beneficiary, day in meals:
        basket.add_product(
            tariff_option,
            1,
            options=[
                {"option": options[BENEFICIARY_OPTION], "value": str(beneficiary.pk)},
                {"option": options[DATE_OPTION], "value": day.isoformat()},
                {
                    "option": options[PRICE_EXPLANATION_OPTION],
                    "value": json.dumps(explanation(price)),
                },
            ],
        )
    return basket


def accept_access(owner, tariff_option, beneficiaries):
    """The owner's accepted access to the tariff option, for those of `beneficiaries` who are
    theirs: the checkout pays only meals an accepted access allows (reservations/revalidation)."""
    access = ServiceAccess.objects.filter(
        account=owner, tariff_option=tariff_option, status=AccessStatus.ACCEPTED
    ).first() or ServiceAccess.objects.create(
        account=owner,
        tariff_option=tariff_option,
        commune=tariff_option.stockrecords.first().partner,
        status=AccessStatus.ACCEPTED,
        decided_at=timezone.now(),
    )
    access.beneficiaries.add(*(b for b in beneficiaries if b.account_id == owner.pk))
    return access


def top_up(parent, amount: str):
    ledger.credit_top_up(
        parent,
        Decimal(amount),
        reference="test",
        idempotency_key=f"top-up:{parent.pk}:{amount}:{timezone.now().timestamp()}",
    )


def make_booking(
    beneficiary=None,
    *,
    service,
    tariff_option,
    day=MEAL_DAY,
    status=BookingStatus.CONFIRMED,
    price="3.30",
    order_line=None,
    order_number="TEST",
):
    """A booking written directly, as the checkout would have left it."""
    beneficiary = beneficiary or BeneficiaryFactory()
    now = timezone.now()
    cancelled = status == BookingStatus.CANCELLED
    return Booking.objects.create(
        account=beneficiary.account,
        beneficiary=beneficiary,
        service=service,
        tariff_option=tariff_option,
        commune=tariff_option.stockrecords.first().partner,
        date=day,
        status=status,
        unit_price=Decimal(price),
        price_explanation=explanation(price),
        order_number=order_number,
        order_line=order_line,
        booked_by=beneficiary.account,
        booked_by_role=ActorRole.PARENT,
        confirmed_at=now if status == BookingStatus.CONFIRMED else None,
        cancelled_at=now if cancelled else None,
    )
