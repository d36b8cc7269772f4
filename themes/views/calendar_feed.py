"""Each child's calendar feed: a private address (`/calendrier/<token>.ics`, no login: a
calendar app cannot log in) listing the child's confirmed bookings as all-day events, and the
parent's page that shows the address and replaces it ("Générer une nouvelle adresse": the old
one then answers 404).

The token is the only key: 256 random bits (accounts.models.CalendarFeed), never in a log line
of ours, and the answer tells browsers and proxies not to pass it on (no referrer, no index)."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from icalendar import Calendar, Event

from accounts import feeds
from accounts.models import CalendarFeed
from reservations.models import Booking, BookingStatus
from reservations.selectors import beneficiaries_of

from ..access import parent_required
from ..text import elide

# How far back the feed goes: a school year and a bit; the coming bookings are all there.
PAST_DAYS = 400
# Calendar apps poll; a few hours is what they honour (Google ignores anything shorter).
REFRESH = timedelta(hours=3)


# --- The feed ---------------------------------------------------------------------------------


@require_GET
def feed(request, token):
    """Two queries: the feed with its child, then the child's bookings with service and
    commune, however many there are."""
    found = (
        CalendarFeed.objects.select_related("beneficiary__account")
        .filter(
            token=token,
            beneficiary__archived_at__isnull=True,
            beneficiary__account__is_active=True,
        )
        .first()
    )
    if found is None:
        raise Http404
    beneficiary = found.beneficiary
    bookings = (
        Booking.objects.filter(
            beneficiary=beneficiary,
            status=BookingStatus.CONFIRMED,
            date__gte=timezone.localdate() - timedelta(days=PAST_DAYS),
        )
        .select_related("service", "commune")
        .order_by("date", "pk")
    )
    body = build_calendar(beneficiary, bookings, host=request.get_host()).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def build_calendar(beneficiary, bookings, *, host: str) -> Calendar:
    """An iCalendar with one all-day event per booking: the service, the child's first name,
    the commune as the place."""
    calendar = Calendar()
    calendar.add("prodid", "-//Portail Famille//Agenda des réservations//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = _("%(name)s — réservations") % {"name": beneficiary.first_name}
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for booking in bookings:
        event = Event()
        event.add("uid", f"reservation-{booking.pk}@{host}")
        event.add("dtstamp", booking.confirmed_at or booking.created_at)
        event.add("dtstart", booking.date)
        event.add("dtend", booking.date + timedelta(days=1))
        event.add(
            "summary",
            _("%(service)s — %(name)s") % {"service": booking.service.title, "name": beneficiary},
        )
        event.add("location", booking.commune.name)
        # An all-day meal does not make the parent busy that day.
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar


# --- The parent's page ------------------------------------------------------------------------


def _own_beneficiary(request, pk):
    return get_object_or_404(beneficiaries_of(request.user), pk=pk)


def feed_url(request, feed: CalendarFeed) -> str:
    return request.build_absolute_uri(feeds.feed_path(feed))


@parent_required
@require_GET
def feed_page(request, pk):
    beneficiary = _own_beneficiary(request, pk)
    # Made on the first visit: the address exists once the parent has seen it.
    found = feeds.feed_of(beneficiary)
    url = feed_url(request, found)
    return render(
        request,
        "themes/family/calendar_feed.html",
        {
            "beneficiary": beneficiary,
            "feed": found,
            "feed_url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1],
        },
    )


@parent_required
@require_POST
def regenerate(request, pk):
    beneficiary = _own_beneficiary(request, pk)
    feeds.renew_feed(beneficiary)
    messages.success(
        request,
        elide(
            _(
                "Nouvelle adresse créée pour l'agenda de %(name)s : l'ancienne ne fonctionne "
                "plus. Abonnez à nouveau vos agendas avec celle-ci."
            )
            % {"name": beneficiary.first_name}
        ),
    )
    return redirect("portail:calendar_feed_page", pk=beneficiary.pk)


urlpatterns = [
    path("calendrier/<str:token>.ics", feed, name="calendar_feed"),
    path("espace/filiations/<int:pk>/agenda/", feed_page, name="calendar_feed_page"),
    path(
        "espace/filiations/<int:pk>/agenda/nouvelle-adresse/",
        regenerate,
        name="calendar_feed_regenerate",
    ),
]
