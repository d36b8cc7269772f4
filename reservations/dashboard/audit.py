"""The agents' "Journal des actions": who booked, cancelled, closed, adjusted, validated or
refused what, and when, at the agent's communes.

Nothing new is recorded for it: it is a read-only union of what each use case already writes
(Booking.booked_by / cancelled_by, Closure.created_by, the wallet's adjustment Transfers,
AccessEvent, User.validated_by, the refusals and the services' rules changes in the admin
log). Each source is one query limited
to the rows the page can show (newest first) plus one count; the sources' rows are merged and
the page sliced in Python, and one last query fetches the names of the actors and families
shown. The number of queries does not grow with the number of events."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, TextChoices
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import ActorRole
from accounts.selectors import communes_of
from accounts.services import refusal_reason
from wallet.models import Leg, Transfer, TransferKind
from wallet.money import signed_euros

from ..models import AccessEvent, Booking, Closure
from .audit_rules import in_words, rules_log_entries
from .selectors import account_refusals, parents_for_agent, services_for_agent

# What a CSV export holds at most (per source, then in all).
EXPORT_LIMIT = 10_000


class Kind(TextChoices):
    BOOKED = "booked", _("Réservation")
    CANCELLED = "cancelled", _("Annulation")
    CLOSED = "closed", _("Fermeture")
    ADJUSTED = "adjusted", _("Ajustement de porte-monnaie")
    ACCESS = "access", _("Demande d'accès")
    VALIDATED = "validated", _("Compte validé")
    REFUSED = "refused", _("Compte refusé")
    RULES = "rules", _("Règles d'un service")


@dataclass
class Event:
    at: datetime
    kind: str
    actor_id: int | None
    actor_role: str
    family_id: int | None
    what: str
    url: str = ""
    actor: object = None
    family: object = None

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def role_label(self) -> str:
        return ActorRole(self.actor_role).label if self.actor_role else ""


@dataclass
class Filters:
    start: date | None = None
    end: date | None = None
    kind: str = ""
    actor: object = None
    family: str = ""


def agents_of(agent) -> QuerySet:
    """The people whose actions `agent` may filter by: the agents of the same communes."""
    User = get_user_model()
    return (
        User.objects.filter(partners__in=communes_of(agent))
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


class AuditFilterForm(forms.Form):
    start = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Toutes"))] + Kind.choices
    )
    actor = forms.ModelChoiceField(
        label=_("Agent"), required=False, queryset=None, empty_label=_("Tous")
    )
    family = forms.CharField(
        label=_("Famille"),
        required=False,
        max_length=100,
        help_text=_("Nom, prénom ou e-mail du compte."),
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = agents_of(agent)
        self.fields["actor"].label_from_instance = lambda user: str(user)
        for bound in self.fields.values():
            bound.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("La date de fin doit suivre la date de début."))
        return data

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        return Filters(**self.cleaned_data)


# --- The sources ----------------------------------------------------------------------------


def _bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """The filter's days as aware instants (Europe/Paris): from the start's midnight to the
    midnight after the end."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(filters.start, time.min, tz) if filters.start else None
    end = datetime.combine(filters.end + timedelta(days=1), time.min, tz) if filters.end else None
    return start, end


def _family_q(path: str, text: str) -> Q:
    """Each word of `text` in the family's first name, last name or e-mail."""
    q = Q()
    for word in text.split():
        q &= (
            Q(**{f"{path}first_name__icontains": word})
            | Q(**{f"{path}last_name__icontains": word})
            | Q(**{f"{path}email__icontains": word})
        )
    return q


def _filtered(queryset, filters: Filters, *, at: str, actor: str, family: str | None):
    start, end = _bounds(filters)
    if start:
        queryset = queryset.filter(**{f"{at}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{at}__lt": end})
    if filters.actor is not None:
        queryset = queryset.filter(**{actor: filters.actor})
    if filters.family:
        if family is None:
            return queryset.none()
        queryset = queryset.filter(_family_q(family, filters.family))
    return queryset


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _booked(agent, filters):
    queryset = _filtered(
        Booking.objects.filter(commune__in=communes_of(agent)),
        filters,
        at="created_at",
        actor="booked_by",
        family="account__",
    )
    fields = ("created_at", "booked_by_id", "booked_by_role", "account_id")

    def events(rows):
        for row in rows:
            yield Event(
                row["created_at"],
                Kind.BOOKED,
                row["booked_by_id"],
                row["booked_by_role"],
                row["account_id"],
                _booking_what(row),
            )

    return queryset.order_by("-created_at", "-pk"), fields + BOOKING_FIELDS, events


BOOKING_FIELDS = (
    "date",
    "service__title",
    "beneficiary__first_name",
    "beneficiary__last_name",
)


def _booking_what(row) -> str:
    return gettext("%(service)s du %(day)s pour %(child)s") % {
        "service": row["service__title"],
        "day": _day(row["date"]),
        "child": f"{row['beneficiary__first_name']} {row['beneficiary__last_name']}",
    }


def _cancelled(agent, filters):
    queryset = _filtered(
        Booking.objects.filter(commune__in=communes_of(agent), cancelled_at__isnull=False),
        filters,
        at="cancelled_at",
        actor="cancelled_by",
        family="account__",
    )
    fields = (
        "cancelled_at",
        "cancelled_by_id",
        "cancelled_by_role",
        "account_id",
        "cancellation_reason",
    )

    def events(rows):
        for row in rows:
            what = _booking_what(row)
            if row["cancellation_reason"]:
                what = f"{what} — {row['cancellation_reason']}"
            yield Event(
                row["cancelled_at"],
                Kind.CANCELLED,
                row["cancelled_by_id"],
                row["cancelled_by_role"],
                row["account_id"],
                what,
            )

    return queryset.order_by("-cancelled_at", "-pk"), fields + BOOKING_FIELDS, events


def _closed(agent, filters):
    queryset = _filtered(
        Closure.objects.filter(calendar__service__in=services_for_agent(agent)),
        filters,
        at="created_at",
        actor="created_by",
        family=None,
    )
    fields = (
        "created_at",
        "created_by_id",
        "date",
        "end_date",
        "school_class",
        "group",
        "reason",
        "calendar__service__title",
    )
    url = reverse("families-dashboard:closure-list")

    def events(rows):
        for row in rows:
            days = _day(row["date"])
            if row["end_date"] != row["date"]:
                days = gettext("du %(start)s au %(end)s") % {
                    "start": days,
                    "end": _day(row["end_date"]),
                }
            who = " / ".join(part for part in (row["school_class"], row["group"]) if part)
            what = f"{row['calendar__service__title']} {days}"
            if who:
                what = f"{what} ({who})"
            yield Event(
                row["created_at"],
                Kind.CLOSED,
                row["created_by_id"],
                ActorRole.AGENT if row["created_by_id"] else "",
                None,
                f"{what} — {row['reason']}",
                url,
            )

    return queryset.order_by("-created_at", "-pk"), fields, events


def _adjusted(agent, filters):
    pot_legs = Leg.objects.filter(transfer=OuterRef("pk"), account__owner__isnull=False)
    queryset = Transfer.objects.filter(kind=TransferKind.ADJUSTMENT)
    if not agent.is_superuser:
        # A service pot's adjustment names its commune; a general pot's names none: it is then
        # the agents of the same communes who see it.
        communes = communes_of(agent)
        at_commune = Leg.objects.filter(transfer=OuterRef("pk"), commune__in=communes)
        queryset = queryset.filter(Exists(at_commune) | Q(actor__partners__in=communes))
    if filters.family:
        queryset = queryset.filter(
            Exists(pot_legs.filter(_family_q("account__owner__", filters.family)))
        )
    queryset = _filtered(
        queryset.distinct(),
        Filters(filters.start, filters.end, filters.kind, filters.actor),
        at="created_at",
        actor="actor",
        family=None,
    ).annotate(
        family_id=Subquery(pot_legs.values("account__owner")[:1]),
        pot_amount=Subquery(
            pot_legs.values("transfer").annotate(total=Sum("amount")).values("total")[:1]
        ),
    )
    fields = ("created_at", "actor_id", "actor_role", "family_id", "pot_amount", "reason")

    def events(rows):
        for row in rows:
            yield Event(
                row["created_at"],
                Kind.ADJUSTED,
                row["actor_id"],
                row["actor_role"],
                row["family_id"],
                f"{signed_euros(row['pot_amount'])} — {row['reason']}",
            )

    return queryset.order_by("-created_at", "-pk"), fields, events


def _access(agent, filters):
    queryset = _filtered(
        AccessEvent.objects.filter(access__commune__in=communes_of(agent)),
        filters,
        at="created_at",
        actor="actor",
        family="access__account__",
    )
    fields = (
        "created_at",
        "actor_id",
        "access_id",
        "access__account_id",
        "status",
        "message",
        "access__tariff_option__parent__title",
        "access__tariff_option__title",
    )
    statuses = dict(AccessEvent._meta.get_field("status").choices)

    def events(rows):
        for row in rows:
            family_id = row["access__account_id"]
            role = ""
            if row["actor_id"]:
                role = ActorRole.PARENT if row["actor_id"] == family_id else ActorRole.AGENT
            what = (
                f"{statuses.get(row['status'], row['status'])} : "
                f"{row['access__tariff_option__parent__title']} — "
                f"{row['access__tariff_option__title']}"
            )
            if row["message"]:
                what = f"{what} — {row['message']}"
            yield Event(
                row["created_at"],
                Kind.ACCESS,
                row["actor_id"],
                role,
                family_id,
                what,
                reverse("families-dashboard:access-detail", kwargs={"pk": row["access_id"]}),
            )

    return queryset.order_by("-created_at", "-pk"), fields, events


def _validated(agent, filters):
    queryset = _filtered(
        parents_for_agent(agent).filter(validated_at__isnull=False),
        filters,
        at="validated_at",
        actor="validated_by",
        family="",
    )
    fields = ("validated_at", "validated_by_id", "pk")

    def events(rows):
        for row in rows:
            yield Event(
                row["validated_at"],
                Kind.VALIDATED,
                row["validated_by_id"],
                ActorRole.AGENT if row["validated_by_id"] else "",
                row["pk"],
                gettext("Compte validé : la famille peut réserver et payer."),
                reverse("families-dashboard:account-detail", kwargs={"pk": row["pk"]}),
            )

    return queryset.order_by("-validated_at", "-pk"), fields, events


def _refused(agent, filters):
    parents = parents_for_agent(agent)
    if filters.family:
        parents = parents.filter(_family_q("", filters.family))
    queryset = _filtered(
        account_refusals().filter(
            object_id__in=parents.annotate(key=Cast("pk", CharField())).values("key")
        ),
        Filters(filters.start, filters.end, filters.kind, filters.actor),
        at="action_time",
        actor="user",
        family=None,
    )
    fields = ("action_time", "user_id", "object_id", "change_message")

    def events(rows):
        for row in rows:
            family_id = int(row["object_id"])
            yield Event(
                row["action_time"],
                Kind.REFUSED,
                row["user_id"],
                ActorRole.AGENT,
                family_id,
                refusal_reason(row["change_message"]),
                reverse("families-dashboard:account-detail", kwargs={"pk": family_id}),
            )

    return queryset.order_by("-action_time", "-pk"), fields, events


def _rules(agent, filters):
    """Calendars, tariff grids and options' documents changed (audit_rules.py)."""
    queryset = _filtered(
        rules_log_entries(services_for_agent(agent)),
        filters,
        at="action_time",
        actor="user",
        family=None,
    )
    fields = ("action_time", "user_id", "change_message")
    url = reverse("families-dashboard:service-rules")

    def events(rows):
        for row in rows:
            yield Event(
                row["action_time"],
                Kind.RULES,
                row["user_id"],
                ActorRole.AGENT,
                None,
                in_words(row["change_message"]),
                url,
            )

    return queryset.order_by("-action_time", "-pk"), fields, events


SOURCES: dict[str, Callable] = {
    Kind.BOOKED: _booked,
    Kind.CANCELLED: _cancelled,
    Kind.CLOSED: _closed,
    Kind.ADJUSTED: _adjusted,
    Kind.ACCESS: _access,
    Kind.VALIDATED: _validated,
    Kind.REFUSED: _refused,
    Kind.RULES: _rules,
}


# --- The union ------------------------------------------------------------------------------


@dataclass
class AuditPage:
    events: list[Event]
    number: int
    per_page: int
    count: int

    @property
    def num_pages(self) -> int:
        return max(1, min(-(-self.count // self.per_page), EXPORT_LIMIT // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


def _sources(filters: Filters):
    return [kind for kind in SOURCES if not filters.kind or filters.kind == kind]


def _merge(agent, filters: Filters, limit: int, *, count: bool) -> tuple[list[Event], int]:
    events: list[Event] = []
    total = 0
    for kind in _sources(filters):
        queryset, fields, to_events = SOURCES[kind](agent, filters)
        if count:
            total += queryset.count()
        events.extend(to_events(queryset.values(*fields)[:limit]))
    events.sort(key=lambda event: event.at, reverse=True)
    return events, total


def _with_names(events: Iterable[Event]) -> list[Event]:
    """Fetches the actors and families of `events` in one query."""
    events = list(events)
    ids = {e.actor_id for e in events} | {e.family_id for e in events}
    ids.discard(None)
    people = get_user_model().objects.in_bulk(ids) if ids else {}
    for event in events:
        event.actor = people.get(event.actor_id)
        event.family = people.get(event.family_id)
    return events


def audit_page(agent, filters: Filters, *, number: int = 1, per_page: int = 25) -> AuditPage:
    """The page `number` of the agent's journal, newest first. Each source reads up to
    `number × per_page` rows, so the page number is capped (EXPORT_LIMIT rows deep): older
    actions are reached by narrowing the dates, or in the CSV export."""
    number = min(max(1, number), max(1, EXPORT_LIMIT // per_page))
    limit = number * per_page
    events, total = _merge(agent, filters, limit, count=True)
    shown = events[limit - per_page : limit]
    return AuditPage(_with_names(shown), number, per_page, total)


def audit_export(agent, filters: Filters) -> list[Event]:
    """Every event the filters keep (at most EXPORT_LIMIT), newest first, for the CSV file."""
    events, _total = _merge(agent, filters, EXPORT_LIMIT, count=False)
    return _with_names(events[:EXPORT_LIMIT])
