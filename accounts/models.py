import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.customer.abstract_models import AbstractUser, UserManager


class Civility(models.TextChoices):
    MONSIEUR = "M", _("M.")
    MADAME = "MME", _("Mme")


class AccountManager(UserManager):
    def create_superuser(self, email, password, **extra_fields):
        # An administrator validates accounts; nobody has to validate theirs.
        extra_fields.setdefault("validated_at", timezone.now())
        return super().create_superuser(email, password, **extra_fields)


class User(AbstractUser):
    """An account holder: a parent (usager), an agent, an officer or an administrator.

    The e-mail is the login. A new account is "en attente de validation" until an administrator
    or an agent validates it: it can log in and edit its profile but cannot book or pay."""

    civility = models.CharField(_("civilité"), max_length=3, choices=Civility.choices, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    newsletter = models.BooleanField(_("inscrit à la newsletter"), default=False)
    is_company = models.BooleanField(_("je suis une société"), default=False)
    terms_accepted_at = models.DateTimeField(
        _("conditions générales acceptées le"), null=True, blank=True
    )
    validated_at = models.DateTimeField(_("validé le"), null=True, blank=True, db_index=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # When a seat frees on one of the family's waiting lists: booked and paid from the wallet
    # at once (True), or offered by e-mail for a limited time (False). Each entry keeps its own
    # choice; this is what a new entry starts with, and the settings page sets them all.
    # db_default too: rows written by code (or historical models) that predate the column.
    waitlist_auto_pay = models.BooleanField(
        _("liste d'attente : payer avec le porte-monnaie"), default=False, db_default=False
    )

    objects = AccountManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        constraints = [
            # Oscar's EmailBackend matches e-mails case-insensitively: two accounts differing only
            # by case would make that login ambiguous.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        permissions = [("validate_account", _("Peut valider les comptes usagers"))]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def is_validated(self) -> bool:
        return self.validated_at is not None


class NotificationKind(models.TextChoices):
    """The e-mails a family may turn off one by one (reminders, summaries, confirmations)."""

    DEADLINE_REMINDER = "deadline_reminder", _("Rappel la veille d'une date limite de réservation")
    UNBOOKED_WEEK = "unbooked_week", _("Semaine à venir sans réservation")
    LOW_BALANCE = "low_balance", _("Solde du porte-monnaie bas")
    WEEKLY_SUMMARY = "weekly_summary", _("Résumé de la semaine à venir")
    ORDER_CONFIRMATION = "order_confirmation", _("Confirmation de paiement d'une commande")
    CANCELLATION_CONFIRMATION = "cancellation_confirmation", _("Confirmation d'annulation")
    TOP_UP_CONFIRMATION = "top_up_confirmation", _("Confirmation de rechargement")


class NotificationOptOut(models.Model):
    """One kind of e-mail an account turned off. No row means the e-mail is sent: every kind is
    on by default, and a new kind needs no migration."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="notification_opt_outs",
    )
    kind = models.CharField(_("type"), max_length=40, choices=NotificationKind.choices)
    created_at = models.DateTimeField(_("désabonné le"), default=timezone.now)

    class Meta:
        verbose_name = _("désabonnement")
        verbose_name_plural = _("désabonnements")
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"], name="accounts_opt_out_unique"),
        ]

    def __str__(self):
        return f"{self.account} – {self.get_kind_display()}"


class SentReminder(models.Model):
    """A reminder sent to a family for one period: the unique key makes the periodic task
    idempotent, so a re-run (or two workers) never sends the same reminder twice."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="sent_reminders",
    )
    kind = models.CharField(_("type"), max_length=40, choices=NotificationKind.choices)
    # What the reminder is about, e.g. "2026-12-07" (a week) or "service-12:2026-12-07".
    period = models.CharField(_("période"), max_length=80)
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("rappel envoyé")
        verbose_name_plural = _("rappels envoyés")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "period"], name="accounts_sent_reminder_unique"
            ),
        ]

    def __str__(self):
        return f"{self.account} – {self.get_kind_display()} – {self.period}"


def new_feed_token() -> str:
    # 256 bits: the address is the only key to the child's calendar (no login in a calendar app).
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The private address of a child's calendar (an iCalendar feed a calendar app subscribes to
    without logging in). Regenerating it replaces the token: the old address answers 404."""

    beneficiary = models.OneToOneField(
        "reservations.Beneficiary",
        verbose_name=_("bénéficiaire"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("agenda d'un bénéficiaire")
        verbose_name_plural = _("agendas des bénéficiaires")

    def __str__(self):
        return str(self.beneficiary)


class AccountClosure(models.Model):
    """Who closed an account and when (RGPD): the account row itself stays, anonymised, because
    the orders, ledger and receipts the law keeps point to it. `reference` is what the former
    holder quotes to the régie."""

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.PROTECT,
        related_name="closure",
    )
    reference = models.CharField(_("référence"), max_length=40, unique=True)
    closed_at = models.DateTimeField(_("fermé le"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fermé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What was erased, by kind ("documents": 3 …): the proof, without the data.
    erased = models.JSONField(_("données effacées"), default=dict)

    class Meta:
        verbose_name = _("fermeture de compte")
        verbose_name_plural = _("fermetures de compte")

    def __str__(self):
        return self.reference
