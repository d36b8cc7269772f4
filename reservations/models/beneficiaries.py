from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..storage import photo_upload_to, private_storage


class Relation(models.TextChoices):
    FATHER = "pere", _("Père")
    MOTHER = "mere", _("Mère")
    GUARDIAN = "tuteur", _("Tuteur / tutrice")
    OTHER = "autre", _("Autre")
    SELF = "moi", _("Moi-même")


class SchoolClass(models.TextChoices):
    TPS = "TPS", _("Toute petite section")
    PS = "PS", _("Petite section")
    MS = "MS", _("Moyenne section")
    GS = "GS", _("Grande section")
    CP = "CP", _("CP")
    CE1 = "CE1", _("CE1")
    CE2 = "CE2", _("CE2")
    CM1 = "CM1", _("CM1")
    CM2 = "CM2", _("CM2")
    COLLEGE = "COLLEGE", _("Collège")
    ADULT = "ADULTE", _("Adulte")


class Diet(models.TextChoices):
    """The meal a canteen serves a child instead of the day's menu; a medical diet is a PAI."""

    STANDARD = "", _("Repas standard")
    NO_PORK = "sans_porc", _("Sans porc")
    NO_MEAT = "sans_viande", _("Sans viande")
    VEGETARIAN = "vegetarien", _("Végétarien")


class Beneficiary(models.Model):
    """Someone meals are booked for: a child of the account holder ("filiation"), or the holder
    themself for an adult who eats at the canteen."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="beneficiaries",
    )
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150)
    birth_date = models.DateField(_("date de naissance"))
    relation = models.CharField(_("type de filiation"), max_length=10, choices=Relation.choices)
    school_class = models.CharField(
        _("classe"), max_length=10, choices=SchoolClass.choices, blank=True
    )
    group = models.CharField(_("groupe"), max_length=100, blank=True)
    photo = models.ImageField(
        _("photo d'identité"),
        storage=private_storage,
        upload_to=photo_upload_to,
        blank=True,
    )
    has_pai = models.BooleanField(_("PAI (projet d'accueil individualisé)"), default=False)
    pai_details = models.TextField(_("allergies, protocole médical"), blank=True)
    diet = models.CharField(_("régime"), max_length=20, choices=Diet.choices, blank=True)
    additional_information = models.TextField(_("informations complémentaires"), blank=True)
    # A beneficiary with bookings is archived, never deleted: the bookings keep their history.
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("bénéficiaire")
        verbose_name_plural = _("bénéficiaires")
        ordering = ["birth_date", "pk"]
        indexes = [models.Index(fields=["account", "archived_at"])]
        constraints = [
            # An account holder is "moi-même" once: a second adult self would double their meals.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(relation="moi", archived_at__isnull=True),
                name="one_self_beneficiary_per_account",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
