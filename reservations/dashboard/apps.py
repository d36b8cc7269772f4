from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

DASHBOARD_ACCESS = "partner.dashboard_access"
VALIDATE_ACCOUNTS = [DASHBOARD_ACCESS, "accounts.validate_account"]
REVIEW_ACCESSES = [DASHBOARD_ACCESS, "reservations.review_serviceaccess"]


class FamiliesDashboardConfig(OscarDashboardConfig):
    """A standalone dashboard sub-app, mounted at /dashboard/familles/ by config/urls.py: the
    accounts awaiting validation and the access requests of the agent's communes."""

    name = "reservations.dashboard"
    label = "reservations_dashboard"
    namespace = "families-dashboard"
    verbose_name = _("Familles")
    default_permissions = [DASHBOARD_ACCESS]
    permissions_map = {
        "account-list": VALIDATE_ACCOUNTS,
        "account-validate": VALIDATE_ACCOUNTS,
        "access-list": REVIEW_ACCESSES,
        "access-detail": REVIEW_ACCESSES,
        "access-accept": REVIEW_ACCESSES,
        "access-refuse": REVIEW_ACCESSES,
        "access-request-document": REVIEW_ACCESSES,
    }

    def ready(self):
        from . import views

        self.account_list_view = views.AccountListView
        self.account_validate_view = views.AccountValidateView
        self.access_list_view = views.AccessListView
        self.access_detail_view = views.AccessDetailView
        self.access_accept_view = views.AccessAcceptView
        self.access_refuse_view = views.AccessRefuseView
        self.access_request_document_view = views.AccessRequestDocumentView

    def get_urls(self):
        urls = [
            path("comptes/", self.account_list_view.as_view(), name="account-list"),
            path(
                "comptes/<int:pk>/valider/",
                self.account_validate_view.as_view(),
                name="account-validate",
            ),
            path("demandes/", self.access_list_view.as_view(), name="access-list"),
            path("demandes/<int:pk>/", self.access_detail_view.as_view(), name="access-detail"),
            path(
                "demandes/<int:pk>/accepter/",
                self.access_accept_view.as_view(),
                name="access-accept",
            ),
            path(
                "demandes/<int:pk>/refuser/",
                self.access_refuse_view.as_view(),
                name="access-refuse",
            ),
            path(
                "demandes/<int:pk>/piece/",
                self.access_request_document_view.as_view(),
                name="access-request-document",
            ),
        ]
        return self.post_process_urls(urls)
