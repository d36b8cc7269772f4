from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


def _placeholder(request):
    return HttpResponse("")


class WalletDashboardConfig(OscarDashboardConfig):
    """A standalone dashboard sub-app, mounted at /dashboard/porte-monnaie/ by config/urls.py."""

    name = "wallet.dashboard"
    label = "wallet_dashboard"
    namespace = "wallet-dashboard"
    verbose_name = _("Porte-monnaie")
    default_permissions = ["partner.dashboard_access"]

    def get_urls(self):
        return self.post_process_urls([path("", _placeholder, name="wallet-list")])
