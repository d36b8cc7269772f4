"""Use cases of a family's beneficiaries ("Mes filiations": the children, or the account holder
themself, that meals are booked for): create, update, remove (archive or delete), photo.

Every rule is checked before anything is written; a refused change leaves no row and no file."""

import datetime
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import Beneficiary, Diet, Relation, SchoolClass, ServiceAccess
from .uploads import normalise_photo

# Fields a parent may set; everything else (account, photo, archived_at) goes through a use case.
EDITABLE_FIELDS = (
    "last_name",
    "first_name",
    "birth_date",
    "relation",
    "school_class",
    "group",
    "has_pai",
    "pai_details",
    "diet",
    "additional_information",
)
TEXT_FIELDS = ("last_name", "first_name", "group", "pai_details", "additional_information")

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
PRIMARY_CLASSES = frozenset(
    {
        SchoolClass.TPS,
        SchoolClass.PS,
        SchoolClass.MS,
        SchoolClass.GS,
        SchoolClass.CP,
        SchoolClass.CE1,
        SchoolClass.CE2,
        SchoolClass.CM1,
        SchoolClass.CM2,
    }
)
# Deliberately wide (a class is usually 2 to 11 years old): pupils held back, early
# pre-registration and ULIS classes exist, and a wrong refusal would lock a family out.
PRIMARY_CLASS_AGES = (1, 14)

ARCHIVED = "archived"
DELETED = "deleted"


def has_history(beneficiary: Beneficiary) -> bool:
    """Whether removing the beneficiary would erase something an agent or the family still needs.

    The Reservations issue adds the beneficiary's bookings to this check."""
    return beneficiary.service_accesses.exists()


def create_beneficiary(*, account, photo=None, **fields) -> Beneficiary:
    """Add a beneficiary to `account`, with an optional identity photo (an uploaded file)."""
    _refuse_unknown(fields)
    values = _cleaned({field: fields.get(field) for field in EDITABLE_FIELDS})
    errors = _errors_of(values, account_id=account.pk)
    content = None
    if photo is not None:
        try:
            content = normalise_photo(photo)
        except ValidationError as error:
            errors.setdefault("photo", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)

    stored = None
    try:
        with transaction.atomic():
            _lock_and_recheck_self(account.pk, values)
            beneficiary = Beneficiary(account=account, **values)
            if content is not None:
                beneficiary.photo.save("photo.jpg", content, save=False)
                stored = beneficiary.photo.name
            beneficiary.save()
    except Exception:
        _delete_file(stored)
        raise
    return beneficiary


def update_beneficiary(beneficiary: Beneficiary, **changes) -> Beneficiary:
    """Change some of a beneficiary's fields; the rules are checked on the result as a whole.
    Returns the updated row."""
    _refuse_unknown(changes)
    with transaction.atomic():
        # Locked and read again, so that two edits of different fields do not undo each other.
        locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        _refuse_if_archived(locked)
        values = {field: getattr(locked, field) for field in EDITABLE_FIELDS}
        values = _cleaned({**values, **changes})
        errors = _errors_of(values, account_id=locked.account_id, instance=locked)
        if errors:
            raise ValidationError(errors)
        _lock_and_recheck_self(locked.account_id, values, instance=locked)
        for field, value in values.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(EDITABLE_FIELDS))
    return locked


def remove_beneficiary(beneficiary: Beneficiary) -> str:
    """Archive a beneficiary with history (it leaves the family's lists but its past stays
    readable); delete one without, together with its photo. Returns ARCHIVED or DELETED."""
    with transaction.atomic():
        locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if has_history(locked):
            if locked.archived_at is None:
                locked.archived_at = timezone.now()
                locked.save(update_fields=["archived_at"])
            beneficiary.archived_at = locked.archived_at
            return ARCHIVED
        photo_name = locked.photo.name
        locked.delete()
        if photo_name:
            transaction.on_commit(lambda: _delete_file(photo_name))
    return DELETED


def set_photo(beneficiary: Beneficiary, upload) -> Beneficiary:
    """Store a new identity photo, re-encoded (see `normalise_photo`); the old file goes once the
    change is committed."""
    try:
        content = normalise_photo(upload)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from error
    stored = None
    try:
        with transaction.atomic():
            locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
            _refuse_if_archived(locked)
            old_name = locked.photo.name
            locked.photo.save("photo.jpg", content, save=False)
            stored = locked.photo.name
            locked.save(update_fields=["photo"])
            if old_name:
                transaction.on_commit(lambda: _delete_file(old_name))
    except Exception:
        _delete_file(stored)
        raise
    beneficiary.photo = locked.photo
    return beneficiary


def remove_photo(beneficiary: Beneficiary) -> Beneficiary:
    with transaction.atomic():
        locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        old_name = locked.photo.name
        if old_name:
            locked.photo = ""
            locked.save(update_fields=["photo"])
            transaction.on_commit(lambda: _delete_file(old_name))
    beneficiary.photo = ""
    return beneficiary


def may_see_photo(user, beneficiary: Beneficiary) -> bool:
    """The family, administrators, and the agents of a commune the beneficiary asked access to
    (they check who sits at the canteen table)."""
    if not user.is_authenticated:
        return False
    if beneficiary.account_id == user.pk or user.is_superuser:
        return True
    return ServiceAccess.objects.filter(beneficiaries=beneficiary, commune__users=user).exists()


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Age in full years on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _refuse_unknown(fields: Mapping):
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")


def _cleaned(values: Mapping) -> dict:
    cleaned = dict(values)
    for field in TEXT_FIELDS:
        cleaned[field] = (cleaned.get(field) or "").strip()
    cleaned["school_class"] = cleaned.get("school_class") or ""
    cleaned["has_pai"] = bool(cleaned.get("has_pai"))
    cleaned["diet"] = cleaned.get("diet") or ""
    return cleaned


def _errors_of(values: Mapping, *, account_id, instance=None) -> dict[str, list]:
    errors: dict[str, list] = {}

    def refuse(field, message):
        errors.setdefault(field, []).append(message)

    if not values["last_name"]:
        refuse("last_name", _("Indiquez le nom du bénéficiaire."))
    if not values["first_name"]:
        refuse("first_name", _("Indiquez le prénom du bénéficiaire."))

    today = timezone.localdate()
    birth_date = values["birth_date"]
    if birth_date is None:
        refuse("birth_date", _("Indiquez la date de naissance."))
    elif birth_date > today:
        refuse("birth_date", _("La date de naissance ne peut pas être dans le futur."))
    elif birth_date < EARLIEST_BIRTH_DATE:
        refuse("birth_date", _("La date de naissance doit être postérieure au 01/01/1900."))

    relation, school_class = values["relation"], values["school_class"]
    if relation not in Relation.values:
        refuse("relation", _("Choisissez le type de filiation."))
    if school_class and school_class not in SchoolClass.values:
        refuse("school_class", _("Choisissez une classe de la liste."))

    if relation == Relation.SELF:
        if school_class != SchoolClass.ADULT:
            refuse(
                "school_class",
                _("« Moi-même » désigne le titulaire du compte : choisissez la classe « Adulte »."),
            )
        if _has_other_self(account_id, instance):
            refuse("relation", _self_already_message())

    if school_class in PRIMARY_CLASSES and birth_date is not None and "birth_date" not in errors:
        age = age_on(birth_date, today)
        youngest, oldest = PRIMARY_CLASS_AGES
        if not youngest <= age <= oldest:
            refuse(
                "school_class",
                ngettext_lazy(
                    "Un enfant de %(age)d an ne peut pas être en %(class)s : vérifiez la date "
                    "de naissance ou la classe.",
                    "Un enfant de %(age)d ans ne peut pas être en %(class)s : vérifiez la date "
                    "de naissance ou la classe.",
                    "age",
                )
                % {"age": age, "class": SchoolClass(school_class).label},
            )

    if values["diet"] not in Diet.values:
        refuse("diet", _("Choisissez un régime de la liste."))
    if values["has_pai"] and not values["pai_details"]:
        refuse(
            "pai_details",
            _("Décrivez le PAI : allergies, traitement ou protocole médical à connaître."),
        )
    return errors


def _has_other_self(account_id, instance) -> bool:
    others = Beneficiary.objects.filter(
        account_id=account_id, relation=Relation.SELF, archived_at__isnull=True
    )
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    return others.exists()


def _lock_and_recheck_self(account_id, values, *, instance=None):
    """Once per account for « Moi-même »: two requests racing past the first check are
    serialised on the account row, and the second one is refused here."""
    if values["relation"] != Relation.SELF:
        return
    get_user_model().objects.select_for_update().filter(pk=account_id).first()
    if _has_other_self(account_id, instance):
        raise ValidationError({"relation": [_self_already_message()]})


def _refuse_if_archived(beneficiary):
    if beneficiary.is_archived:
        raise ValidationError(
            _("Ce bénéficiaire est archivé : ses informations ne peuvent plus être modifiées.")
        )


def _self_already_message():
    return _("Vous figurez déjà parmi vos bénéficiaires (« Moi-même ») : une fois suffit.")


def _delete_file(name):
    if name:
        Beneficiary._meta.get_field("photo").storage.delete(name)
