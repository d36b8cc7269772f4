"""Agents book meals on a family's behalf, paid from the family's porte-monnaie."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

DASHBOARD_ACCESS = "partner.dashboard_access"
# The agents of a commune: the same right as examining its families' access requests and
# cancelling their meals from the headcount.
BOOK_FOR_FAMILIES = [DASHBOARD_ACCESS, "reservations.review_serviceaccess"]


class BookingsDashboardConfig(OscarDashboardConfig):
    """A standalone dashboard sub-app, mounted at /dashboard/reserver/ by config/urls.py. It
    lives in shop/ because booking goes through Oscar's checkout (shop.on_behalf), which the
    domain apps may not import."""

    name = "shop.dashboard.bookings"
    label = "bookings_dashboard"
    namespace = "bookings-dashboard"
    verbose_name = _("Réservations pour une famille")
    default_permissions = BOOK_FOR_FAMILIES

    def ready(self):
        from . import views

        self.family_list_view = views.FamilyListView
        self.family_book_view = views.FamilyBookView

    def get_urls(self):
        urls = [
            path("", self.family_list_view.as_view(), name="family-list"),
            path("<int:pk>/", self.family_book_view.as_view(), name="family-book"),
        ]
        return self.post_process_urls(urls)
