"""Receipts in the dashboard: régisseurs, agents and administrators list and download the
receipts (quittances) of the régies they may see (shop.selectors.receipts)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class ReceiptsDashboardConfig(OscarDashboardConfig):
    """A standalone dashboard sub-app, mounted at /dashboard/quittances/ by config/urls.py.

    Signing in is the only permission asked: a régisseur need not be an agent, so the scope is
    the régies the user is régisseur of, those of the communes they are agent of, or all for an
    administrator; a receipt outside it is a 404 and a parent sees an empty list. It lives in
    shop/ because a receipt reads Oscar's orders, which the wallet may not import."""

    name = "shop.dashboard.receipts"
    label = "receipts_dashboard"
    namespace = "receipts-dashboard"
    verbose_name = _("Quittances")
    default_permissions = ["is_authenticated"]

    def ready(self):
        from . import views

        self.receipt_list_view = views.ReceiptListView
        self.receipt_pdf_view = views.ReceiptPdfView

    def get_urls(self):
        urls = [
            path("", self.receipt_list_view.as_view(), name="receipt-list"),
            path("<int:pk>.pdf", self.receipt_pdf_view.as_view(), name="receipt-pdf"),
        ]
        return self.post_process_urls(urls)
