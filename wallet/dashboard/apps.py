"""Agents' wallet screens in the Oscar dashboard: a parent's pots, credits and debits."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

DASHBOARD_ACCESS = "partner.dashboard_access"


class WalletDashboardConfig(OscarDashboardConfig):
    """A standalone dashboard sub-app, mounted at /dashboard/porte-monnaie/ by config/urls.py.
    Every screen is scoped to the agent's communes by wallet.selectors."""

    name = "wallet.dashboard"
    label = "wallet_dashboard"
    namespace = "wallet-dashboard"
    verbose_name = _("Porte-monnaie")
    default_permissions = [DASHBOARD_ACCESS]

    def ready(self):
        from . import views

        self.wallet_list_view = views.WalletListView
        self.wallet_detail_view = views.WalletDetailView
        self.service_credit_view = views.ServiceCreditView
        self.pot_adjust_view = views.PotAdjustView

    def get_urls(self):
        urls = [
            path("", self.wallet_list_view.as_view(), name="wallet-list"),
            path("<int:pk>/", self.wallet_detail_view.as_view(), name="wallet-detail"),
            path(
                "<int:pk>/crediter/",
                self.service_credit_view.as_view(),
                name="wallet-service-credit",
            ),
            path("pots/<int:pk>/ajuster/", self.pot_adjust_view.as_view(), name="pot-adjust"),
        ]
        return self.post_process_urls(urls)
