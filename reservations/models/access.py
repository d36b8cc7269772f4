"""Access to a commune's service ("Mes services"): the parent asks for a tariff option with
supporting documents and tax figures; an agent of that commune accepts or refuses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..storage import document_upload_to, private_storage


class DocumentKind(models.TextChoices):
    PROOF_OF_ADDRESS = "proof_of_address", _("Justificatif de domicile")
    FAMILY_QUOTIENT = (
        "family_quotient",
        _("Attestation de quotient familial ou déclaration de revenus"),
    )
    OTHER = "other", _("Autre justificatif")


class AccessRequirements(models.Model):
    """What a tariff option asks of the parent: which documents, and whether the tax figures
    (reference tax income and tax shares) are needed to compute the family quotient."""

    tariff_option = models.OneToOneField(
        "catalogue.Product",
        verbose_name=_("option tarifaire"),
        on_delete=models.CASCADE,
        related_name="access_requirements",
    )
    required_documents = models.JSONField(
        _("pièces justificatives demandées"), default=list, blank=True
    )
    requires_tax_figures = models.BooleanField(_("revenus fiscaux demandés"), default=False)

    class Meta:
        verbose_name = _("pièces demandées pour une option tarifaire")
        verbose_name_plural = _("pièces demandées pour les options tarifaires")

    def __str__(self):
        return str(self.tariff_option)

    @property
    def document_kinds(self) -> list[DocumentKind]:
        return [DocumentKind(code) for code in self.required_documents]


class AccessStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    DOCUMENT_REQUESTED = "document_requested", _("Pièce demandée")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")


# A request that is still being examined, or granted: a second one for the same option would be
# a duplicate. A refused request does not block asking again.
ACTIVE_STATUSES = [AccessStatus.PENDING, AccessStatus.DOCUMENT_REQUESTED, AccessStatus.ACCEPTED]
UNDECIDED_STATUSES = [AccessStatus.PENDING, AccessStatus.DOCUMENT_REQUESTED]


class ServiceAccess(models.Model):
    """An account's request for a tariff option of a commune's service, and its decision.

    Once accepted, it is what allows booking that service for its beneficiaries. The family
    quotient ("quotient familial": monthly income per tax share) is stored with its inputs."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="service_accesses",
    )
    tariff_option = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("option tarifaire"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The commune offering the option, kept on the row so that agent scoping is one join.
    commune = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="service_accesses",
    )
    beneficiaries = models.ManyToManyField(
        "reservations.Beneficiary", verbose_name=_("bénéficiaires"), related_name="service_accesses"
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=AccessStatus.choices, default=AccessStatus.PENDING
    )
    reference_tax_income = models.DecimalField(
        _("revenu fiscal de référence"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    tax_shares = models.DecimalField(
        _("nombre de parts fiscales"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    family_quotient = models.DecimalField(
        _("quotient familial"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    tariff_bracket = models.CharField(_("tranche tarifaire"), max_length=50, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("accès à un service")
        verbose_name_plural = _("accès aux services")
        ordering = ["-created_at", "-pk"]
        permissions = [("review_serviceaccess", _("Peut examiner les demandes d'accès"))]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "tariff_option"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_active_access_per_account_and_option",
            ),
            models.CheckConstraint(
                condition=Q(tax_shares__isnull=True) | Q(tax_shares__gt=0),
                name="tax_shares_positive",
            ),
            models.CheckConstraint(
                condition=Q(reference_tax_income__isnull=True) | Q(reference_tax_income__gte=0),
                name="reference_tax_income_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=AccessStatus.REFUSED) | ~Q(refusal_reason=""),
                name="refusal_has_a_reason",
            ),
        ]
        indexes = [models.Index(fields=["commune", "status"])]

    def __str__(self):
        return f"{self.tariff_option} — {self.account}"

    @property
    def is_undecided(self) -> bool:
        return self.status in UNDECIDED_STATUSES


class AccessDocument(models.Model):
    """A supporting document of a request. A replacement keeps the old file's row, marked
    replaced, so the agent can see what changed."""

    access = models.ForeignKey(
        ServiceAccess, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("type de pièce"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(
        _("fichier"), storage=private_storage, upload_to=document_upload_to, max_length=255
    )
    original_name = models.CharField(_("nom du fichier envoyé"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    replaced_at = models.DateTimeField(_("remplacé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("pièce justificative")
        verbose_name_plural = _("pièces justificatives")
        ordering = ["kind", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["access", "kind"],
                condition=Q(replaced_at__isnull=True),
                name="one_current_document_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.original_name}"


class AccessEvent(models.Model):
    """One step of a request's history (asked, document replaced or requested, decided), shown
    to the parent and the agent."""

    access = models.ForeignKey(
        ServiceAccess, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="events"
    )
    status = models.CharField(_("statut"), max_length=20, choices=AccessStatus.choices)
    message = models.TextField(_("message"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("étape d'une demande d'accès")
        verbose_name_plural = _("historique des demandes d'accès")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_status_display()} ({self.created_at:%d/%m/%Y})"
