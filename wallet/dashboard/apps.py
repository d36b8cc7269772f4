"""Agents' wallet screens in the Oscar dashboard: a parent's pots, credits and debits; and the
régies' screens (wallet/dashboard/regies.py): journal, reconciliation, inter-régie statement."""

from django.db.models.signals import m2m_changed
from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

DASHBOARD_ACCESS = "partner.dashboard_access"
# Staff, agents, or régisseurs (given "wallet.view_regie" when a régie lists them): who is in
# scope of which régie is decided in the views.
REGIE_ACCESS = (["is_staff"], [DASHBOARD_ACCESS], ["wallet.view_regie"])
ADMINISTRATORS = ["is_superuser"]

REGIE_READ_VIEWS = [
    "regie-list",
    "regie-detail",
    "regie-journal-index",
    "regie-journal",
    "regie-journal-csv",
    "regie-reconciliation-index",
    "regie-reconciliation",
    "regie-reconciliation-csv",
    "inter-regie-statement",
    "inter-regie-statement-csv",
]
REGIE_ADMIN_VIEWS = [
    "regie-create",
    "regie-update",
    "regie-backend-list",
    "regie-backend-create",
    "regie-backend-update",
]


class WalletDashboardConfig(OscarDashboardConfig):
    """A standalone dashboard sub-app, mounted at /dashboard/porte-monnaie/ by config/urls.py.
    Every wallet screen is scoped to the agent's communes by wallet.selectors, every régie
    screen to the user's régies by wallet.dashboard.regies.visible_regies."""

    name = "wallet.dashboard"
    label = "wallet_dashboard"
    namespace = "wallet-dashboard"
    verbose_name = _("Porte-monnaie")
    default_permissions = [DASHBOARD_ACCESS]
    permissions_map = {
        **dict.fromkeys(REGIE_READ_VIEWS, REGIE_ACCESS),
        **dict.fromkeys(REGIE_ADMIN_VIEWS, ADMINISTRATORS),
        "regie-login": None,
    }

    def ready(self):
        from ..models import Regie
        from . import regies, views

        self.wallet_list_view = views.WalletListView
        self.wallet_detail_view = views.WalletDetailView
        self.service_credit_view = views.ServiceCreditView
        self.pot_adjust_view = views.PotAdjustView
        self.regies = regies
        m2m_changed.connect(
            regies.sync_regisseur_permission,
            sender=Regie.regisseurs.through,
            dispatch_uid="wallet-regisseur-permission",
        )

    def get_urls(self):
        regies = self.regies
        urls = [
            path("", self.wallet_list_view.as_view(), name="wallet-list"),
            path("<int:pk>/", self.wallet_detail_view.as_view(), name="wallet-detail"),
            path(
                "<int:pk>/crediter/",
                self.service_credit_view.as_view(),
                name="wallet-service-credit",
            ),
            path("pots/<int:pk>/ajuster/", self.pot_adjust_view.as_view(), name="pot-adjust"),
            # --- Régies
            path("regies/", regies.RegieListView.as_view(), name="regie-list"),
            path("regies/connexion/", regies.RegisseurLoginView.as_view(), name="regie-login"),
            path("regies/nouvelle/", regies.RegieCreateView.as_view(), name="regie-create"),
            path("regies/<int:pk>/", regies.RegieDetailView.as_view(), name="regie-detail"),
            path(
                "regies/<int:pk>/modifier/", regies.RegieUpdateView.as_view(), name="regie-update"
            ),
            path(
                "regies/journal/",
                regies.FirstRegieRedirectView.as_view(target="wallet-dashboard:regie-journal"),
                name="regie-journal-index",
            ),
            path("regies/<int:pk>/journal/", regies.JournalView.as_view(), name="regie-journal"),
            path(
                "regies/<int:pk>/journal/export.csv",
                regies.JournalView.as_view(),
                {"export": True},
                name="regie-journal-csv",
            ),
            path(
                "regies/rapprochement/",
                regies.FirstRegieRedirectView.as_view(
                    target="wallet-dashboard:regie-reconciliation"
                ),
                name="regie-reconciliation-index",
            ),
            path(
                "regies/<int:pk>/rapprochement/",
                regies.ReconciliationView.as_view(),
                name="regie-reconciliation",
            ),
            path(
                "regies/<int:pk>/rapprochement/export.csv",
                regies.ReconciliationView.as_view(),
                {"export": True},
                name="regie-reconciliation-csv",
            ),
            path(
                "regies/releve-inter-regies/",
                regies.StatementView.as_view(),
                name="inter-regie-statement",
            ),
            path(
                "regies/releve-inter-regies/export.csv",
                regies.StatementView.as_view(),
                {"export": True},
                name="inter-regie-statement-csv",
            ),
            path("regies/comptes/", regies.BackendListView.as_view(), name="regie-backend-list"),
            path(
                "regies/comptes/nouveau/",
                regies.BackendCreateView.as_view(),
                name="regie-backend-create",
            ),
            path(
                "regies/comptes/<int:pk>/modifier/",
                regies.BackendUpdateView.as_view(),
                name="regie-backend-update",
            ),
        ]
        return self.post_process_urls(urls)
