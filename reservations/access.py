"""Use cases of access to a service: ask (with documents and tax figures), replace a document,
and the agent's decisions (accept with a tariff bracket, refuse with a reason, ask for a new
document). Every decision is recorded in the request's history and e-mailed to the parent."""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from oscar.core.loading import get_model

from .calendars import tariff_configs
from .exceptions import NotAnAgentOfThisCommune
from .french import elides
from .models import (
    AccessDocument,
    AccessEvent,
    AccessRequirements,
    AccessStatus,
    Beneficiary,
    DocumentKind,
    ServiceAccess,
)
from .models.access import ACTIVE_STATUSES
from .rules import family_quotient, granted_bracket
from .uploads import check_document

Product = get_model("catalogue", "Product")


def requirements_of(tariff_option) -> AccessRequirements:
    """What the option asks for; an option nobody configured asks for nothing."""
    try:
        return tariff_option.access_requirements
    except AccessRequirements.DoesNotExist:
        return AccessRequirements(tariff_option=tariff_option)


def commune_of(tariff_option):
    stockrecord = tariff_option.stockrecords.select_related("partner").first()
    return stockrecord.partner if stockrecord else None


def request_access(
    *,
    account,
    tariff_option,
    beneficiaries: Iterable[Beneficiary],
    documents: Mapping[str, object],
    reference_tax_income: Decimal | None = None,
    tax_shares: Decimal | None = None,
) -> ServiceAccess:
    """Ask access to a tariff option for some of the account's beneficiaries.

    Everything is checked before anything is written, and a failure after a file was stored
    removes it: a refused request leaves no row and no file."""
    errors: dict[str, list[str]] = {}
    beneficiaries = list(beneficiaries)
    commune = commune_of(tariff_option) if tariff_option.is_child else None
    if commune is None:
        errors.setdefault("tariff_option", []).append(
            _("Cette option tarifaire ne peut pas être demandée.")
        )
    if not beneficiaries:
        errors.setdefault("beneficiaries", []).append(_("Choisissez au moins un bénéficiaire."))
    elif any(b.account_id != account.pk or b.is_archived for b in beneficiaries):
        errors.setdefault("beneficiaries", []).append(_("Bénéficiaire inconnu."))

    requirements = requirements_of(tariff_option)
    checked_documents = {}
    for kind, upload in documents.items():
        if kind not in DocumentKind.values:
            errors.setdefault("documents", []).append(_("Type de pièce inconnu : %s") % kind)
            continue
        try:
            checked_documents[kind] = (upload, check_document(upload))
        except ValidationError as error:
            errors.setdefault(kind, []).extend(error.messages)
    for kind in requirements.document_kinds:
        if kind.value not in documents:
            errors.setdefault(kind.value, []).append(
                _("Joignez ce justificatif : %s.") % kind.label
            )

    quotient = None
    if reference_tax_income is not None or tax_shares is not None:
        if reference_tax_income is None or tax_shares is None:
            errors.setdefault("tax_shares", []).append(
                _("Indiquez le revenu fiscal de référence et le nombre de parts.")
            )
        else:
            try:
                quotient = family_quotient(reference_tax_income, tax_shares)
            except ValidationError as error:
                field = "tax_shares" if error.code == "invalid_shares" else "reference_tax_income"
                errors.setdefault(field, []).extend(error.messages)
    elif requirements.requires_tax_figures:
        errors.setdefault("reference_tax_income", []).append(
            _("Ce service demande votre revenu fiscal de référence et votre nombre de parts.")
        )

    if commune is not None and _has_active_request(account, tariff_option):
        errors.setdefault("tariff_option", []).append(_already_asked_message())
    if errors:
        raise ValidationError(errors)

    stored_files = []
    try:
        with transaction.atomic():
            access = ServiceAccess.objects.create(
                account=account,
                tariff_option=tariff_option,
                commune=commune,
                reference_tax_income=reference_tax_income,
                tax_shares=tax_shares,
                family_quotient=quotient,
            )
            access.beneficiaries.set(beneficiaries)
            for kind, (upload, checked) in checked_documents.items():
                document = _store_document(access, kind, upload, checked, uploaded_by=account)
                stored_files.append(document.file)
            AccessEvent.objects.create(
                access=access,
                status=AccessStatus.PENDING,
                actor=account,
                message=_("Demande envoyée."),
            )
    except IntegrityError as error:
        _delete_files(stored_files)
        # Two requests raced past the check above; the database constraint kept only one.
        raise ValidationError({"tariff_option": [_already_asked_message()]}) from error
    except Exception:
        _delete_files(stored_files)
        raise
    return access


def replace_document(access: ServiceAccess, *, kind: str, upload, by) -> AccessDocument:
    """A parent sends a new file for a request still being examined; a request waiting for a
    document goes back to the agent's queue."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [_("Type de pièce inconnu.")]})
    try:
        checked = check_document(upload)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    stored = None
    try:
        with transaction.atomic():
            access = ServiceAccess.objects.select_for_update().get(pk=access.pk)
            if not access.is_undecided:
                raise ValidationError(
                    {"file": [_("Cette demande a déjà été traitée : ses pièces ne changent plus.")]}
                )
            access.documents.filter(kind=kind, replaced_at__isnull=True).update(
                replaced_at=timezone.now()
            )
            document = _store_document(access, kind, upload, checked, uploaded_by=by)
            stored = document.file
            if access.status == AccessStatus.DOCUMENT_REQUESTED:
                access.status = AccessStatus.PENDING
                access.save(update_fields=["status", "updated_at"])
            AccessEvent.objects.create(
                access=access,
                status=access.status,
                actor=by,
                message=_("Nouvelle pièce envoyée : %s.") % DocumentKind(kind).label,
            )
    except Exception:
        _delete_files([stored] if stored else [])
        raise
    return document


def accept_access(
    access: ServiceAccess,
    *,
    by,
    tariff_bracket: str = "",
    reference_tax_income=None,
    tax_shares=None,
    family_quotient=None,
    correction_reason: str = "",
) -> ServiceAccess:
    """Accept the request, with the family's figures as the agent checked them: a quotient the
    agent enters, or computed from the income and shares, or the family's own. Figures changed
    from the family's need a reason, recorded in the request's history. Pricing reads the
    quotient; the bracket stored is the one the service's grid gives it (or the agent's words,
    when given)."""
    figures = _checked_figures(access, reference_tax_income, tax_shares, family_quotient)
    corrected = {
        field: value for field, value in figures.items() if value != getattr(access, field)
    }
    correction_reason = (correction_reason or "").strip()
    if corrected and not correction_reason:
        raise ValidationError(
            {
                "correction_reason": [
                    _("Indiquez pourquoi vous corrigez les chiffres de la famille.")
                ]
            }
        )
    tariff = tariff_configs([access.tariff_option.parent_id]).get(access.tariff_option.parent_id)
    label = (tariff_bracket or "").strip() or granted_bracket(tariff, figures["family_quotient"])
    message = _("Demande acceptée, tranche tarifaire : %s.") % label
    if corrected:
        message += " " + _("Chiffres corrigés (%(fields)s) : %(reason)s") % {
            "fields": ", ".join(
                _figure_change(access, field, corrected[field]) for field in corrected
            ),
            "reason": correction_reason,
        }
    return _decide(
        access,
        by=by,
        status=AccessStatus.ACCEPTED,
        changes={**figures, "tariff_bracket": label[:50]},
        message=message,
    )


def _checked_figures(access, reference_tax_income, tax_shares, quotient) -> dict:
    """The figures to keep: what the agent entered, else the family's; a new income or number of
    shares without a quotient gives the quotient they make."""
    income = access.reference_tax_income if reference_tax_income is None else reference_tax_income
    shares = access.tax_shares if tax_shares is None else tax_shares
    if quotient is None and (reference_tax_income is not None or tax_shares is not None):
        if income is None or shares is None:
            raise ValidationError(
                {"tax_shares": [_("Indiquez le revenu fiscal et le nombre de parts, ou le QF.")]}
            )
        quotient = family_quotient(income, shares)
    if quotient is None:
        quotient = access.family_quotient
    if quotient is not None and quotient < 0:
        raise ValidationError({"family_quotient": [_("Un quotient familial n'est pas négatif.")]})
    return {"reference_tax_income": income, "tax_shares": shares, "family_quotient": quotient}


def _figure_change(access, field, new) -> str:
    names = {
        "reference_tax_income": _("revenu fiscal"),
        "tax_shares": _("parts"),
        "family_quotient": _("QF"),
    }
    old = getattr(access, field)
    return _("%(name)s %(old)s → %(new)s") % {
        "name": names[field],
        "old": "—" if old is None else old,
        "new": "—" if new is None else new,
    }


def refuse_access(access: ServiceAccess, *, reason: str, by) -> ServiceAccess:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif du refus.")]})
    return _decide(
        access,
        by=by,
        status=AccessStatus.REFUSED,
        changes={"refusal_reason": reason},
        message=_("Demande refusée : %s") % reason,
    )


def request_new_document(access: ServiceAccess, *, kind: str, message: str, by) -> ServiceAccess:
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [_("Type de pièce inconnu.")]})
    note = _("Nouvelle pièce demandée : %(kind)s.") % {"kind": DocumentKind(kind).label}
    if message and message.strip():
        note = f"{note} {message.strip()}"
    return _decide(access, by=by, status=AccessStatus.DOCUMENT_REQUESTED, changes={}, message=note)


def _decide(access, *, by, status, changes, message) -> ServiceAccess:
    with transaction.atomic():
        access = (
            # Only the request's row is locked; PostgreSQL refuses to lock an outer join's side.
            ServiceAccess.objects.select_for_update(of=("self",))
            .select_related("account", "commune", "tariff_option__parent")
            .get(pk=access.pk)
        )
        if not _may_review(by, access):
            raise NotAnAgentOfThisCommune(
                _("Seuls les agents de %(commune)s examinent cette demande.")
                % {"commune": access.commune.name}
            )
        if not access.is_undecided:
            raise ValidationError(
                _("Cette demande a déjà été traitée (%(status)s).")
                % {"status": access.get_status_display()}
            )
        for field, value in changes.items():
            setattr(access, field, value)
        access.status = status
        final = status in (AccessStatus.ACCEPTED, AccessStatus.REFUSED)
        access.decided_at = timezone.now() if final else None
        access.decided_by = by if final else None
        access.save()
        AccessEvent.objects.create(access=access, status=status, actor=by, message=message)
        _email_parent(access, message)
    return access


def _may_review(user, access) -> bool:
    if user.is_superuser:
        return True
    return (
        user.has_perm("reservations.review_serviceaccess")
        and access.commune.users.filter(pk=user.pk).exists()
    )


def _of_commune(name: str) -> str:
    """ "de Rosières", "d'Aiguilhe" (reservations/french.py); in English "in Aiguilhe"."""
    if elides(name):
        return pgettext("de la commune", "d'%(commune)s") % {"commune": name}
    return pgettext("de la commune", "de %(commune)s") % {"commune": name}


def _email_parent(access, message):
    # send_mail goes through the Celery task backend, after this transaction commits.
    context = {
        "access": access,
        "message": message,
        "of_commune": _of_commune(access.commune.name),
    }
    send_mail(
        subject=_("Votre demande d'accès : %(service)s") % {"service": access.tariff_option.parent},
        message=render_to_string("reservations/email/access_decision.txt", context),
        from_email=None,
        recipient_list=[access.account.email],
    )


def _has_active_request(account, tariff_option) -> bool:
    return ServiceAccess.objects.filter(
        account=account, tariff_option=tariff_option, status__in=ACTIVE_STATUSES
    ).exists()


def _already_asked_message() -> str:
    return _("Vous avez déjà une demande en cours ou acceptée pour cette option tarifaire.")


def _store_document(access, kind, upload, checked, *, uploaded_by) -> AccessDocument:
    document = AccessDocument(
        access=access,
        kind=kind,
        original_name=(getattr(upload, "name", "") or "")[:255],
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        uploaded_by=uploaded_by,
    )
    upload.seek(0)
    document.file.save("upload", upload, save=False)
    document.save()
    return document


def _delete_files(files):
    for stored in files:
        stored.storage.delete(stored.name)
