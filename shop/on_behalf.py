"""An agent books meals on a parent's behalf, paid from the parent's porte-monnaie.

The meals go through the parents' own path: `reservations.planning.add_meals_to_basket` (accepted
access, open day, booking deadline, duplicates, capacity), then the checkout API's serializer
(shop/api/serializers/checkout.py) places the order and pays it by wallet, so the wallet debit,
the payment records and the bookings (`order_placed`) are exactly those of a parent's checkout.
The bookings then record the agent who made them."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from accounts.selectors import communes_of
from reservations.basket import add_meals_to_basket
from reservations.exceptions import BookingRefused
from reservations.models import Booking
from shop.api.serializers.checkout import CheckoutSerializer
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
        order = _checkout_by_wallet(parent, basket)
        Booking.objects.filter(order_number=order.number).update(
            booked_by=agent, booked_by_role=ActorRole.AGENT
        )
    return order


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


def _checkout_by_wallet(parent, basket):
    """The checkout API's serializer, as for the parent's own request."""
    request = RequestFactory().post("/api/checkout/")
    request.user = parent
    serializer = CheckoutSerializer(
        data={
            "basket": reverse("basket-detail", kwargs={"pk": basket.pk}),
            "payment_method": PaymentMethod.WALLET,
        },
        context={"request": request},
    )
    serializer.is_valid(raise_exception=True)
    return serializer.save()
