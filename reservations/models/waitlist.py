"""A place on a full day's waiting list: one beneficiary, one service, one date.

Promotion (shop/waitlist.py) walks a day's entries in the order they joined, once a seat frees
and before the day's booking deadline: an entry opted in to the wallet is booked and paid at
once; the others get a time-limited offer by e-mail. An offer does not hold the seat (the day
stays bookable by anyone, first come first served); it only keeps promotion from offering the
same seat to the next family in line while it runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("En attente")
    OFFERED = "offered", _("Place proposée")
    BOOKED = "booked", _("Réservé")
    EXPIRED = "expired", _("Expiré")
    WITHDRAWN = "withdrawn", _("Retiré")


ACTIVE_WAITLIST_STATUSES = [WaitlistStatus.WAITING, WaitlistStatus.OFFERED]


class WaitlistEntry(models.Model):
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
    )
    beneficiary = models.ForeignKey(
        "reservations.Beneficiary",
        verbose_name=_("bénéficiaire"),
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
    )
    service = models.ForeignKey(
        "catalogue.Product", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)
    auto_pay_from_wallet = models.BooleanField(
        _("payer automatiquement avec le porte-monnaie"), default=False
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    offered_at = models.DateTimeField(_("place proposée le"), null=True, blank=True)
    offered_until = models.DateTimeField(_("offre valable jusqu'au"), null=True, blank=True)
    order_number = models.CharField(_("commande"), max_length=128, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscription sur liste d'attente")
        verbose_name_plural = _("inscriptions sur liste d'attente")
        ordering = ["date", "created_at", "pk"]
        constraints = [
            # One active place per beneficiary, service and day: joining twice is one place.
            models.UniqueConstraint(
                fields=["beneficiary", "service", "date"],
                condition=Q(status__in=ACTIVE_WAITLIST_STATUSES),
                name="one_active_waitlist_entry_per_beneficiary_service_day",
            ),
            models.CheckConstraint(
                condition=~Q(status=WaitlistStatus.OFFERED) | Q(offered_until__isnull=False),
                name="waitlist_offer_has_an_end",
            ),
        ]
        indexes = [
            # Promotion: a day's active entries in the order they joined.
            models.Index(fields=["service", "date", "status", "created_at"]),
            models.Index(fields=["account", "date"]),
        ]

    def __str__(self):
        return f"{self.beneficiary} — {self.date:%d/%m/%Y} ({self.get_status_display()})"
