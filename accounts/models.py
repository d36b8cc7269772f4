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
