"""A confirmed meal (or daycare / holiday-club day): one beneficiary, one service, one date."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import ActorRole


class BookingStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("En attente du paiement")
    CONFIRMED = "confirmed", _("Réservée")
    CANCELLED = "cancelled", _("Annulée")


ACTIVE_BOOKING_STATUSES = [BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED]


class Booking(models.Model):
    """Created from an order line when the order is placed, confirmed once it is paid.

    The price is frozen here as it was computed at booking time, with its explanation: cancelling
    a sibling later does not re-price anyone. Who booked and who cancelled are recorded."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    beneficiary = models.ForeignKey(
        "reservations.Beneficiary",
        verbose_name=_("bénéficiaire"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    service = models.ForeignKey(
        "catalogue.Product", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    tariff_option = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("option tarifaire"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    commune = models.ForeignKey(
        "partner.Partner", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=BookingStatus.choices,
        default=BookingStatus.PENDING_PAYMENT,
    )
    unit_price = models.DecimalField(_("prix"), max_digits=8, decimal_places=2)
    price_explanation = models.JSONField(_("détail du prix"), default=dict, blank=True)
    order_number = models.CharField(_("commande"), max_length=128, db_index=True)
    order_line = models.OneToOneField(
        "order.Line",
        verbose_name=_("ligne de commande"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("réservé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    booked_by_role = models.CharField(max_length=10, choices=ActorRole.choices)
    created_at = models.DateTimeField(_("réservé le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("annulé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_by_role = models.CharField(max_length=10, choices=ActorRole.choices, blank=True)
    cancellation_reason = models.CharField(_("motif d'annulation"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["date", "beneficiary_id", "pk"]
        constraints = [
            # One active booking per beneficiary, service and day: a second is a duplicate.
            models.UniqueConstraint(
                fields=["beneficiary", "service", "date"],
                condition=Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="one_active_booking_per_beneficiary_service_day",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="booking_price_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="cancelled_booking_has_a_date",
            ),
        ]
        indexes = [
            # Headcounts and capacity checks: who eats at this service on this day.
            models.Index(fields=["service", "date", "status"]),
            models.Index(fields=["account", "date"]),
        ]

    def __str__(self):
        return f"{self.beneficiary} — {self.date:%d/%m/%Y}"
