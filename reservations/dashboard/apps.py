from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


def _placeholder(request):
    return HttpResponse("")


class FamiliesDashboardConfig(OscarDashboardConfig):
    """A standalone dashboard sub-app, mounted at /dashboard/familles/ by config/urls.py."""

    name = "reservations.dashboard"
    label = "reservations_dashboard"
    namespace = "families-dashboard"
    verbose_name = _("Familles")
    default_permissions = ["partner.dashboard_access"]

    def get_urls(self):
        urls = [
            path("comptes/", _placeholder, name="account-list"),
            path("demandes/", _placeholder, name="access-list"),
        ]
        return self.post_process_urls(urls)
