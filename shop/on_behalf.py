"""An agent books meals on a parent's behalf, paid from the parent's porte-monnaie.

The meals go through the parents' own path: `reservations.basket.add_meals_to_basket` (accepted
access, open day, booking deadline, duplicates, capacity), then the parents' own checkout
(shop.checkout) places the order and pays it by wallet, so the wallet debit, the payment records
and the bookings (`order_placed`) are exactly those of a parent's checkout, except for who acted:
the agent, recorded as such on the wallet debit and on the bookings."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from accounts.selectors import communes_of
from reservations.basket import add_meals_to_basket
from reservations.exceptions import BookingRefused
from shop.checkout import checkout
from shop.payment.constants import PaymentMethod

__all__ = ["book_for_parent"]

Basket = get_model("basket", "Basket")


def book_for_parent(agent, parent, service, beneficiaries, dates, *, now=None, skip_closed=False):
    """Book `service` for `beneficiaries` × `dates` on `parent`'s behalf and pay it from the
    parent's porte-monnaie; returns the order, paid. With `skip_closed` (a weekday pattern),
    closed days are left out rather than refused, as on the parents' side.

    PermissionDenied unless `agent` works for the commune offering `service`. Otherwise the
    parents' own refusals, with nothing changed: MealsRefused (planning), WalletShortfall (with
    the missing amount), BookingRefused (also when no day is left to book)."""
    if not communes_of(agent).filter(stockrecords__product__parent=service).exists():
        raise PermissionDenied(_("Ce service n'est pas proposé par votre commune."))
    now = now or timezone.now()
    with transaction.atomic():
        basket = _filled_basket(parent, service, beneficiaries, dates, now, skip_closed)
        if not basket.lines.exists():
            raise BookingRefused(
                [], _("Aucun de ces jours n'est ouvert à la réservation : rien n'a été réservé.")
            )
        result = checkout(
            basket.pk,
            payer=parent,
            payment_method=PaymentMethod.WALLET,
            actor=agent,
            actor_role=ActorRole.AGENT,
        )
    return result.order


def _filled_basket(parent, service, beneficiaries, dates, now, skip_closed):
    """A basket of the parent's, apart from their own open one, holding these meals. It is
    "Saved" (editable, but not the basket the parent's own requests use): it never mixes with
    theirs."""
    basket = Basket.objects.create(owner=parent, status=Basket.SAVED)
    return add_meals_to_basket(
        account=parent,
        service_id=service.pk,
        beneficiary_ids=[beneficiary.pk for beneficiary in beneficiaries],
        dates=dates,
        now=now,
        skip_closed=skip_closed,
        basket=basket,
    )
