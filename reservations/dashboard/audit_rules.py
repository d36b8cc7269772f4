"""A service's rules changed in the dashboard, in words for the "Journal des actions": each save
of a calendar, a tariff grid or an option's documents writes one entry of Django's admin log
(the admin's history of the object shows it too) saying what was before and what is now
("Places par jour : sans limite → 80"). The journal reads them back (audit.py, `_rules`).

A snapshot is an ordered mapping of a label to the value in words; two snapshots, taken before
the form is validated (validation writes into the instance) and after the save, give the
changes."""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from wallet.money import euros

from .. import rules
from ..models import AccessRequirements, DocumentKind, ServiceCalendar, TariffGrid

NOTHING = "—"
# What a day costs by its attendance state, in percent of its price (attendance_pricing.py).
ATTENDANCE_PERCENTS = (
    "present_percent",
    "absent_percent",
    "absent_justified_percent",
    "present_unbooked_percent",
)
ARROW = " → "


def _yes_no(value: bool) -> str:
    return _("oui") if value else _("non")


def _rule(calendar, prefix: str) -> str:
    try:
        return rules.describe_rule(getattr(calendar, f"{prefix}_rule"))
    except ValidationError:  # a rule mistyped in the admin's JSON
        return _("invalide")


def _quotient(amount) -> str:
    return NOTHING if amount is None else rules._quotient(amount)


def calendar_snapshot(calendar: ServiceCalendar) -> dict[str, str]:
    """The calendar's days, capacity, deadlines and opening periods; empty when not saved yet."""
    if calendar.pk is None:
        return {}
    weekdays = sorted(int(day) for day in calendar.open_weekdays or [])
    periods = calendar.opening_periods.order_by("start", "pk")
    return {
        _("Jours d'ouverture"): ", ".join(rules.FRENCH_WEEKDAYS[day - 1] for day in weekdays)
        or _("aucun"),
        _("Fermé pendant les vacances scolaires"): _yes_no(calendar.closed_during_school_holidays),
        _("Zone de vacances scolaires"): calendar.get_school_zone_display(),
        _("Places par jour"): (
            str(calendar.daily_capacity) if calendar.daily_capacity else _("sans limite")
        ),
        _("Date limite de réservation"): _rule(calendar, "booking"),
        _("Date limite d'annulation"): _rule(calendar, "cancellation"),
        _("Périodes d'ouverture"): "; ".join(
            _("du %(start)s au %(end)s")
            % {"start": f"{p.start:%d/%m/%Y}", "end": f"{p.end:%d/%m/%Y}"}
            for p in periods
        )
        or _("aucune"),
    }


def _row_label(row) -> str:
    """ "Enfant, Résident de la commune, QF de 500 € à 800 €, 2e enfant": a row but its price."""
    low, high = row.family_quotient_min, row.family_quotient_max
    if low is None and high is None:
        bracket = _("tout QF")
    elif high is None:
        bracket = _("QF à partir de %(low)s") % {"low": _quotient(low)}
    elif low is None:
        bracket = _("QF inférieur à %(high)s") % {"high": _quotient(high)}
    else:
        bracket = _("QF de %(low)s à %(high)s") % {"low": _quotient(low), "high": _quotient(high)}
    parts = (row.get_category_display(), row.get_residence_display(), bracket)
    return ", ".join((*parts, row.get_sibling_rank_display()))


def grid_snapshot(grid: TariffGrid) -> dict[str, str]:
    """The grid's mode, effort rate, floor and ceiling, and each row's price under its label."""
    if grid.pk is None:
        return {}
    snapshot = {_("Mode"): grid.get_mode_display()}
    if grid.effort_rate is not None:
        snapshot[_("Taux d'effort")] = f"{rules._french_number(grid.effort_rate)} %"
    for label, amount in ((_("Prix plancher"), grid.floor), (_("Prix plafond"), grid.ceiling)):
        snapshot[label] = NOTHING if amount is None else euros(amount)
    for name in ATTENDANCE_PERCENTS:
        label = capfirst(TariffGrid._meta.get_field(name).verbose_name)
        snapshot[label] = f"{rules._french_number(getattr(grid, name))} %"
    for row in grid.rows.all():
        snapshot[_row_label(row)] = euros(row.unit_price)
    return snapshot


def requirements_snapshot(requirements: AccessRequirements) -> dict[str, str]:
    """The documents an option asks for and whether it asks for the tax figures."""
    if requirements.pk is None:
        return {}
    documents = [DocumentKind(code).label for code in requirements.required_documents]
    return {
        _("Pièces demandées"): ", ".join(str(d) for d in documents) or _("aucune"),
        _("Revenus fiscaux demandés"): _yes_no(requirements.requires_tax_figures),
    }


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """ "label : before → after" for each label whose value differs (— when absent)."""
    labels = list(before) + [label for label in after if label not in before]
    return [
        f"{label} : {before.get(label, NOTHING)}{ARROW}{after.get(label, NOTHING)}"
        for label in labels
        if before.get(label, NOTHING) != after.get(label, NOTHING)
    ]


def log_rules_change(user, obj, subject: str, before: dict, after: dict) -> LogEntry | None:
    """One admin log entry saying `subject` and what changed, when something did."""
    changed = changes(before, after)
    if not changed:
        return None
    message = f"{subject} — {' ; '.join(changed)}"
    return LogEntry.objects.log_actions(
        user.pk, [obj], CHANGE if before else ADDITION, message, single_object=True
    )


def rules_log_entries(services: QuerySet) -> QuerySet:
    """The admin log entries of the calendars, grids and options' documents of `services`."""
    types = ContentType.objects.get_for_models(ServiceCalendar, TariffGrid, AccessRequirements)

    def keys(queryset):
        return queryset.annotate(key=Cast("pk", CharField())).values("key")

    scoped = (
        (ServiceCalendar, ServiceCalendar.objects.filter(service__in=services)),
        (TariffGrid, TariffGrid.objects.filter(service__in=services)),
        (
            AccessRequirements,
            AccessRequirements.objects.filter(tariff_option__parent__in=services),
        ),
    )
    condition = Q()
    for model, queryset in scoped:
        condition |= Q(content_type=types[model], object_id__in=keys(queryset))
    return LogEntry.objects.filter(condition)


def in_words(change_message: str) -> str:
    """Our sentence as written; an administrator's edit in the admin (JSON) as Django words it."""
    if change_message.startswith("["):
        return LogEntry(change_message=change_message).get_change_message()
    return change_message
