"""The reservations domain's API, mounted under /api/ by config/urls.py."""

from django.urls import include, path

from .api.planning import BasketMealsView, CalendarView
from .api.recurring import RecurringMealsView, RepeatMealsView
from .api.waitlist import WaitlistEntryView, WaitlistView

urlpatterns = [
    path("beneficiaries/", include("reservations.api.beneficiaries")),
    path("services/", include("reservations.api.services")),
    path("attendance/", include("reservations.api.attendance")),
    path("access-requests/", include("reservations.api.access")),
    path("reservations/basket/", BasketMealsView.as_view(), name="reservations-basket"),
    path(
        "reservations/basket/recurring/",
        RecurringMealsView.as_view(),
        name="reservations-basket-recurring",
    ),
    path(
        "reservations/basket/repeat/", RepeatMealsView.as_view(), name="reservations-basket-repeat"
    ),
    path("reservations/calendar/", CalendarView.as_view(), name="reservations-calendar"),
    path("reservations/waitlist/", WaitlistView.as_view(), name="reservations-waitlist"),
    path(
        "reservations/waitlist/<int:pk>/",
        WaitlistEntryView.as_view(),
        name="reservations-waitlist-entry",
    ),
    path("reservations/absence-justifications/", include("reservations.api.justifications")),
    path("reservations/", include("reservations.api.bookings")),
]
