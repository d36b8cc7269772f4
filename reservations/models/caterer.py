"""The caterer's automatic headcount: the addresses a commune sends it to per service, and the
headcount of each service day as it stood at its booking deadline ("effectif figé")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CatererRecipient(models.Model):
    """An address that receives a service's frozen headcount at each day's booking deadline:
    the caterer ("prestataire de restauration"), the kitchen, the school."""

    service = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="caterer_recipients",
        limit_choices_to={"structure": "parent"},
    )
    email = models.EmailField(_("adresse e-mail"))
    label = models.CharField(
        _("destinataire"),
        max_length=100,
        blank=True,
        help_text=_("Par exemple « Cuisine centrale » ou « Prestataire »."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ajouté par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("destinataire de l'effectif")
        verbose_name_plural = _("destinataires de l'effectif")
        ordering = ["service_id", "email", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "email"], name="one_caterer_address")
        ]

    def __str__(self):
        return f"{self.label} <{self.email}>" if self.label else self.email


class HeadcountSnapshot(models.Model):
    """One service day's headcount frozen at its booking deadline, as it was e-mailed: later
    cancellations do not change it. `counts` holds the rows per class and group, each with its
    diet and PAI breakdown (reservations/caterer.py writes and reads it)."""

    service = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="headcount_snapshots",
    )
    date = models.DateField(_("jour"))
    deadline = models.DateTimeField(_("date limite de réservation"))
    frozen_at = models.DateTimeField(_("figé le"))
    total = models.PositiveIntegerField(_("repas"))
    counts = models.JSONField(_("effectif par classe"), default=dict)
    recipients = models.JSONField(_("envoyé à"), default=list, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("effectif figé")
        verbose_name_plural = _("effectifs figés")
        ordering = ["-date", "service_id"]
        constraints = [
            # Frozen once: the task may run twice at the same deadline, the caterer gets one mail.
            models.UniqueConstraint(fields=["service", "date"], name="one_snapshot_per_day")
        ]

    def __str__(self):
        return f"{self.service} — {self.date:%d/%m/%Y}"
