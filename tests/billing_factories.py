"""Builders for the billing tests: a post-paid canteen (the planning tests' canteen, its
service invoiced after the fact by Rosières' régie), a SEPA creditor for that régie, and
bookings made through the parents' own path (basket, then checkout)."""

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
