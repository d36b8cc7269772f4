"""The régies' billing screens in the Oscar dashboard, mounted at /dashboard/facturation/ by
config/urls.py: billing runs, invoices and counter payments, mandates, SEPA files and rejects.
Who sees which régie is wallet.dashboard.regies.visible_regies, in every view (404 outside)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

# Staff, agents (their communes' régies) and régisseurs (their régies): as the régie screens.
REGIE_ACCESS = (["is_staff"], ["partner.dashboard_access"], ["wallet.view_regie"])

VIEWS = [
    "billing-index",
    "billing-home",
    "billing-run",
    "billing-invoice-list",
    "billing-invoice-csv",
    "billing-invoice-detail",
    "billing-invoice-pdf",
    "billing-counter-payment",
    "billing-mandate-list",
    "billing-batch-list",
    "billing-batch-xml",
    "billing-debit-reject",
]


class BillingDashboardConfig(OscarDashboardConfig):
    name = "billing.dashboard"
    label = "billing_dashboard"
    namespace = "billing-dashboard"
    verbose_name = _("Facturation")
    default_permissions = ["partner.dashboard_access"]
    permissions_map = dict.fromkeys(VIEWS, REGIE_ACCESS)

    def get_urls(self):
        from . import views

        urls = [
            path("", views.FirstRegieView.as_view(), name="billing-index"),
            path("regies/<int:pk>/", views.BillingHomeView.as_view(), name="billing-home"),
            path("regies/<int:pk>/facturer/", views.RunView.as_view(), name="billing-run"),
            path(
                "regies/<int:pk>/factures/",
                views.InvoiceListView.as_view(),
                name="billing-invoice-list",
            ),
            path(
                "regies/<int:pk>/factures/export.csv",
                views.InvoiceListView.as_view(),
                {"export": True},
                name="billing-invoice-csv",
            ),
            path(
                "regies/<int:pk>/mandats/",
                views.MandateListView.as_view(),
                name="billing-mandate-list",
            ),
            path(
                "regies/<int:pk>/prelevements/",
                views.BatchListView.as_view(),
                name="billing-batch-list",
            ),
            path(
                "factures/<int:pk>/",
                views.InvoiceDetailView.as_view(),
                name="billing-invoice-detail",
            ),
            path(
                "factures/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="billing-invoice-pdf"
            ),
            path(
                "factures/<int:pk>/guichet/",
                views.CounterPaymentView.as_view(),
                name="billing-counter-payment",
            ),
            path(
                "prelevements/<int:pk>/pain008.xml",
                views.BatchXmlView.as_view(),
                name="billing-batch-xml",
            ),
            path(
                "prelevements/rejet/<int:pk>/",
                views.DebitRejectView.as_view(),
                name="billing-debit-reject",
            ),
        ]
        return self.post_process_urls(urls)
