"""A service's rules edited by the agents of its commune: calendar and deadlines, tariff grid,
the documents each tariff option asks for; each page shows a live example computed by the same
code the bookings and prices use. Another commune's service is a 404."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.views import generic

from wallet.money import euros

from .. import rules
from ..calendars import calendar_window, tariff_config_for
from ..models import AccessRequirements, ServiceCalendar, TariffGrid
from .audit_rules import (
    calendar_snapshot,
    grid_snapshot,
    log_rules_change,
    requirements_snapshot,
)
from .selectors import services_for_agent
from .service_rules_forms import (
    DUPLICATE_MESSAGE,
    CalendarRulesForm,
    OpeningPeriodFormSet,
    RequirementsForm,
    TariffGridForm,
    TariffRowFormSet,
)

# How far ahead the example looks for an open day (a summer closes a canteen for two months).
EXAMPLE_HORIZON_DAYS = 120
EXAMPLE_QUOTIENT = Decimal("750")
EXAMPLE_RANK = 2


def _day(day: date) -> str:
    """ "lundi 14 décembre", in the active language."""
    return format_date(day, "l j F")


@dataclass(frozen=True)
class DeadlineExample:
    booking: str
    cancellation: str


def deadline_example(service, today: date) -> DeadlineExample | None:
    """The booking and cancellation deadlines of the service's next open day after `today`,
    as sentences; None when it opens on no day of the coming months."""
    window = calendar_window(
        service, today + timedelta(days=1), today + timedelta(EXAMPLE_HORIZON_DAYS)
    )
    days = window.open_days()
    if not days:
        return None
    day = days[0]
    booking = window.booking_deadline(day).astimezone(rules.PARIS)
    cancellation = window.cancellation_deadline(day).astimezone(rules.PARIS)
    return DeadlineExample(
        booking=_("Une réservation pour le %(day)s doit être faite avant le %(deadline)s à %(at)s.")
        % {"day": _day(day), "deadline": _day(booking.date()), "at": f"{booking:%H:%M}"},
        cancellation=_("Elle peut être annulée jusqu'au %(deadline)s à %(at)s.")
        % {"deadline": _day(cancellation.date()), "at": f"{cancellation:%H:%M}"},
    )


def _service_of(agent, pk):
    return get_object_or_404(services_for_agent(agent), pk=pk)


class ServiceRulesListView(generic.TemplateView):
    """The agent's communes' services, with links to their rules."""

    template_name = "reservations/dashboard/service_rules_list.html"

    def get_context_data(self, **kwargs):
        services = services_for_agent(self.request.user).select_related("calendar", "tariff_grid")
        return super().get_context_data(
            page_title=_("Règles des services"),
            services=[(service, _summary(service)) for service in services],
            **kwargs,
        )


def _summary(service) -> dict[str, str]:
    """What the list says of a service's rules, read from what select_related brought."""
    calendar = getattr(service, "calendar", None)
    grid = getattr(service, "tariff_grid", None)
    if calendar is None:
        deadline = _("Pas de calendrier : le service ne peut pas être réservé.")
    else:
        try:
            deadline = rules.describe_rule(calendar.booking_rule)
        except ValidationError:
            deadline = _("Date limite invalide : à saisir à nouveau.")
    return {
        "deadline": deadline,
        "tariff": grid.get_mode_display() if grid else _("Tarif unique de chaque option"),
    }


class CalendarRulesView(generic.TemplateView):
    """A service's calendar and deadlines, with the deadlines of its next open day."""

    template_name = "reservations/dashboard/service_calendar.html"

    def dispatch(self, request, *args, pk, **kwargs):
        self.service = _service_of(request.user, pk)
        self.calendar = ServiceCalendar.objects.filter(service=self.service).first() or (
            ServiceCalendar(service=self.service)
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, periods=None, **kwargs):
        example = example_error = None
        if self.calendar.pk:
            try:
                example = deadline_example(self.service, timezone.localdate())
            except ValidationError:  # a rule mistyped in the admin's JSON
                example_error = _(
                    "Une date limite enregistrée est invalide : saisissez-la à nouveau ci-dessous."
                )
        return super().get_context_data(
            page_title=_("Calendrier et dates limites : %(service)s")
            % {"service": self.service.title},
            breadcrumb_label=_("Calendrier"),
            service=self.service,
            form=form or CalendarRulesForm(instance=self.calendar),
            periods=periods or OpeningPeriodFormSet(instance=self.calendar, prefix="periods"),
            example=example,
            example_error=example_error,
            **kwargs,
        )

    def post(self, request, **kwargs):
        before = calendar_snapshot(self.calendar)  # validating the form writes into it
        form = CalendarRulesForm(request.POST, instance=self.calendar)
        periods = OpeningPeriodFormSet(request.POST, instance=self.calendar, prefix="periods")
        if not (form.is_valid() and periods.is_valid()):
            context = self.get_context_data(form=form, periods=periods)
            return self.render_to_response(context, status=400)
        with transaction.atomic():
            periods.instance = form.save()
            periods.save()
            subject = _("Calendrier (%(service)s)") % {"service": self.service.title}
            after = calendar_snapshot(periods.instance)
            log_rules_change(request.user, periods.instance, subject, before, after)
        messages.success(request, _("Le calendrier est enregistré."))
        return redirect("families-dashboard:service-calendar", pk=self.service.pk)


def _example_inputs(query) -> tuple[Decimal, int]:
    try:
        quotient = Decimal(query.get("qf", EXAMPLE_QUOTIENT))
        if not quotient.is_finite() or quotient < 0:
            raise InvalidOperation
    except InvalidOperation:
        quotient = EXAMPLE_QUOTIENT
    rank = query.get("rang", str(EXAMPLE_RANK))
    rank = int(rank) if rank in ("1", "2", "3") else EXAMPLE_RANK
    return quotient, rank


def price_example(service, quotient: Decimal, rank: int) -> str | None:
    """ "Pour un QF de 750, 2e enfant : 3,10 €" by the pricing code, for a resident child; the
    reason in words when the grid has no price for it; None without a grid."""
    config = tariff_config_for(service)
    if config is None:
        return None
    try:
        price = rules.price_for(
            config,
            category=rules.CHILD,
            resident=True,
            family_quotient=quotient,
            sibling_rank=rank,
        ).unit_price
    except rules.NoTariffError as error:
        return str(error)
    return _("Pour un QF de %(qf)s, %(rank)s : %(price)s") % {
        "qf": rules._french_number(quotient),
        "rank": rules._rank_label(rank),
        "price": euros(price),
    }


class TariffGridView(generic.TemplateView):
    """A service's tariff grid: mode and rows, all saved or none, with an example price."""

    template_name = "reservations/dashboard/service_tariff.html"

    def dispatch(self, request, *args, pk, **kwargs):
        self.service = _service_of(request.user, pk)
        self.grid = TariffGrid.objects.filter(service=self.service).first() or TariffGrid(
            service=self.service
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, rows=None, **kwargs):
        quotient, rank = _example_inputs(self.request.GET)
        return super().get_context_data(
            page_title=_("Grille tarifaire : %(service)s") % {"service": self.service.title},
            breadcrumb_label=_("Grille tarifaire"),
            service=self.service,
            form=form or TariffGridForm(instance=self.grid),
            rows=rows or TariffRowFormSet(instance=self.grid, prefix="rows"),
            example=price_example(self.service, quotient, rank) if self.grid.pk else None,
            example_qf=quotient,
            example_rank=rank,
            **kwargs,
        )

    def post(self, request, **kwargs):
        before = grid_snapshot(self.grid)  # validating the form writes into it
        form = TariffGridForm(request.POST, instance=self.grid)
        rows = TariffRowFormSet(request.POST, instance=self.grid, prefix="rows")
        if form.is_valid() and rows.is_valid():
            created = self.grid.pk is None
            try:
                with transaction.atomic():
                    grid = form.save()
                    rows.instance = grid
                    rows.save()
                    subject = _("Grille tarifaire (%(service)s)") % {"service": self.service.title}
                    log_rules_change(request.user, grid, subject, before, grid_snapshot(grid))
            except IntegrityError:
                # Two rows swapping brackets in one save, or a concurrent save.
                rows._non_form_errors = rows.error_class([DUPLICATE_MESSAGE])
                if created:
                    self.grid.pk = None
                for row in rows.extra_forms:  # rolled back: still new rows
                    row.instance.pk = None
            else:
                messages.success(request, _("La grille tarifaire est enregistrée."))
                return redirect("families-dashboard:service-tariff", pk=self.service.pk)
        return self.render_to_response(self.get_context_data(form=form, rows=rows), status=400)


class RequirementsView(generic.TemplateView):
    """The documents each tariff option of a service asks for, as checkboxes."""

    template_name = "reservations/dashboard/service_requirements.html"

    def dispatch(self, request, *args, pk, **kwargs):
        self.service = _service_of(request.user, pk)
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None):
        options = self.service.children.order_by("title", "pk")
        existing = {
            r.tariff_option_id: r
            for r in AccessRequirements.objects.filter(tariff_option__in=options)
        }
        return [
            (
                option,
                RequirementsForm(
                    data,
                    instance=existing.get(option.pk) or AccessRequirements(tariff_option=option),
                    prefix=f"option-{option.pk}",
                ),
            )
            for option in options
        ]

    def get_context_data(self, forms=None, **kwargs):
        return super().get_context_data(
            page_title=_("Pièces demandées : %(service)s") % {"service": self.service.title},
            breadcrumb_label=_("Pièces demandées"),
            service=self.service,
            option_forms=forms or self.forms(),
            **kwargs,
        )

    def post(self, request, **kwargs):
        forms = self.forms(request.POST)
        before = {option.pk: requirements_snapshot(form.instance) for option, form in forms}
        if not all(form.is_valid() for _option, form in forms):
            return self.render_to_response(self.get_context_data(forms=forms), status=400)
        with transaction.atomic():
            for option, form in forms:
                subject = _("Pièces demandées (%(service)s — %(option)s)") % {
                    "service": self.service.title,
                    "option": option.title,
                }
                saved = form.save()
                after = requirements_snapshot(saved)
                log_rules_change(request.user, saved, subject, before[option.pk], after)
        messages.success(request, _("Les pièces demandées sont enregistrées."))
        return redirect("families-dashboard:service-requirements", pk=self.service.pk)
