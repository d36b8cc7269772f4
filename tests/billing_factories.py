"""Builders for the billing tests: a post-paid canteen (the planning tests' canteen, its
service invoiced after the fact by Rosières' régie), a SEPA creditor for that régie, and
bookings made through the parents' own path (basket, then checkout)."""

from datetime import datetime
from decimal import Decimal

from billing.models import DebtThreshold, SepaCreditor
from reservations.basket import add_meals_to_basket
from shop.checkout import checkout
from tests.planning_factories import make_canteen
from wallet.models import Regie, ServiceRegie
from wallet.regies import forget_service_regies

# A valid test IBAN and BIC (the French bank example account) and a French creditor id.
FAMILY_IBAN = "FR7630006000011234567890189"
FAMILY_BIC = "AGRIFRPPXXX"
CREDITOR_IBAN = "FR1420041010050500013M02606"
CREDITOR_BIC = "PSSTFRPPPAR"
CREDITOR_ID = "FR72ZZZ123456"


def make_post_paid_canteen(commune=None, **kwargs):
    """The planning tests' canteen, post-paid: (service, children option, adults option)."""
    service, children, adults = make_canteen(commune, **kwargs)
    make_post_paid(service)
    return service, children, adults


def make_post_paid(service) -> Regie:
    link = ServiceRegie.objects.get(service=service)
    link.post_paid = True
    link.save(update_fields=["post_paid"])
    forget_service_regies()
    return link.regie


def regie_of(service) -> Regie:
    return ServiceRegie.objects.select_related("regie").get(service=service).regie


def make_creditor(regie) -> SepaCreditor:
    return SepaCreditor.objects.create(
        regie=regie,
        name="Régie de Rosières",
        creditor_id=CREDITOR_ID,
        iban=CREDITOR_IBAN,
        bic=CREDITOR_BIC,
    )


def set_threshold(commune, amount: str) -> DebtThreshold:
    threshold, _ = DebtThreshold.objects.update_or_create(
        commune=commune, defaults={"amount": Decimal(amount)}
    )
    return threshold


def book(parent, service, meals, *, now, method="wallet"):
    """Book (beneficiary, date) pairs as the parent would: basket, then checkout."""
    basket = add_meals_to_basket(
        account=parent,
        service_id=service.pk,
        meals=[(child.pk, day) for child, day in meals],
        now=now,
    )
    return checkout(basket.pk, payer=parent, payment_method=method)


def issued_invoice(option, children, days, *, service=None, price="3.30"):
    """The December 2026 invoice of the children's family: each child booked (directly) on
    each day, nobody pointed (a booked day is due), the régie's final run done in January."""
    import time_machine

    from billing import runs
    from billing.models import Invoice
    from reservations.rules import PARIS
    from tests.booking_factories import make_booking

    service = service or option.parent
    for child in children:
        for day in days:
            make_booking(child, service=service, tariff_option=option, day=day, price=price)
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=PARIS), tick=False):
        runs.run_billing(regie_of(service), 2026, 12, final=True)
    return Invoice.objects.get(owner=children[0].account, period="2026-12-01")
