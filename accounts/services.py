"""Use cases on accounts."""

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import NotAllowedToValidate
from .models import User


def can_validate_accounts(actor) -> bool:
    return actor.is_active and (actor.is_superuser or actor.has_perm("accounts.validate_account"))


@transaction.atomic
def validate_account(account: User, *, validated_by: User, now=None) -> User:
    """Let an account book and pay; tell its holder by e-mail. Validating twice changes nothing."""
    if not can_validate_accounts(validated_by):
        raise NotAllowedToValidate(_("Vous n'avez pas le droit de valider des comptes."))
    account = User.objects.select_for_update().get(pk=account.pk)
    if account.is_validated:
        return account
    account.validated_at = now or timezone.now()
    account.validated_by = validated_by
    account.save(update_fields=["validated_at", "validated_by"])
    send_mail(
        subject=_("Votre compte Portail Famille est validé"),
        message=render_to_string("accounts/email/account_validated.txt", {"account": account}),
        from_email=None,
        recipient_list=[account.email],
    )
    return account
