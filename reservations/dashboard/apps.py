from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

DASHBOARD_ACCESS = "partner.dashboard_access"
VALIDATE_ACCOUNTS = [DASHBOARD_ACCESS, "accounts.validate_account"]
REVIEW_ACCESSES = [DASHBOARD_ACCESS, "reservations.review_serviceaccess"]


class FamiliesDashboardConfig(OscarDashboardConfig):
    """A standalone dashboard sub-app, mounted at /dashboard/familles/ by config/urls.py: the
    accounts awaiting validation and the access requests of the agent's communes, headcounts
    (and the caterer's), closures."""

    name = "reservations.dashboard"
    label = "reservations_dashboard"
    namespace = "families-dashboard"
    verbose_name = _("Familles")
    default_permissions = [DASHBOARD_ACCESS]
    permissions_map = {
        "account-list": VALIDATE_ACCOUNTS,
        "account-detail": VALIDATE_ACCOUNTS,
        "account-validate": VALIDATE_ACCOUNTS,
        "account-refuse": VALIDATE_ACCOUNTS,
        "audit": REVIEW_ACCESSES,
        "audit-export": REVIEW_ACCESSES,
        "access-list": REVIEW_ACCESSES,
        "access-detail": REVIEW_ACCESSES,
        "access-accept": REVIEW_ACCESSES,
        "access-refuse": REVIEW_ACCESSES,
        "access-request-document": REVIEW_ACCESSES,
        "headcount": REVIEW_ACCESSES,
        "headcount-export": REVIEW_ACCESSES,
        "booking-cancel": REVIEW_ACCESSES,
        "closure-list": REVIEW_ACCESSES,
        "closure-confirm": REVIEW_ACCESSES,
        "closure-delete": REVIEW_ACCESSES,
        "caterer": REVIEW_ACCESSES,
        "caterer-recipient-delete": REVIEW_ACCESSES,
        "snapshot-detail": REVIEW_ACCESSES,
        "service-rules": REVIEW_ACCESSES,
        "service-calendar": REVIEW_ACCESSES,
        "service-tariff": REVIEW_ACCESSES,
        "service-requirements": REVIEW_ACCESSES,
        "attendance": REVIEW_ACCESSES,
        "justification-list": REVIEW_ACCESSES,
        "justification-detail": REVIEW_ACCESSES,
        "justification-document": REVIEW_ACCESSES,
    }

    def ready(self):
        from . import attendance, audit_views, justifications, service_rules, views

        self.account_list_view = views.AccountListView
        self.account_detail_view = views.AccountDetailView
        self.account_validate_view = views.AccountValidateView
        self.account_refuse_view = views.AccountRefuseView
        self.audit_view = audit_views.AuditView
        self.audit_export_view = audit_views.AuditExportView
        self.access_list_view = views.AccessListView
        self.access_detail_view = views.AccessDetailView
        self.access_accept_view = views.AccessAcceptView
        self.access_refuse_view = views.AccessRefuseView
        self.access_request_document_view = views.AccessRequestDocumentView
        self.headcount_view = views.HeadcountView
        self.headcount_export_view = views.HeadcountExportView
        self.booking_cancel_view = views.BookingCancelView
        self.closure_list_view = views.ClosureListView
        self.closure_confirm_view = views.ClosureConfirmView
        self.closure_delete_view = views.ClosureDeleteView
        self.caterer_view = views.CatererView
        self.caterer_recipient_delete_view = views.CatererRecipientDeleteView
        self.snapshot_detail_view = views.SnapshotDetailView
        self.service_rules_view = service_rules.ServiceRulesListView
        self.service_calendar_view = service_rules.CalendarRulesView
        self.service_tariff_view = service_rules.TariffGridView
        self.service_requirements_view = service_rules.RequirementsView
        self.attendance_view = attendance.AttendanceView
        self.justification_list_view = justifications.JustificationListView
        self.justification_detail_view = justifications.JustificationDetailView
        self.justification_document_view = justifications.JustificationDocumentView

    def get_urls(self):
        urls = [
            path("comptes/", self.account_list_view.as_view(), name="account-list"),
            path("comptes/<int:pk>/", self.account_detail_view.as_view(), name="account-detail"),
            path(
                "comptes/<int:pk>/refuser/",
                self.account_refuse_view.as_view(),
                name="account-refuse",
            ),
            path("journal/", self.audit_view.as_view(), name="audit"),
            path("journal/export.csv", self.audit_export_view.as_view(), name="audit-export"),
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
            path("effectifs/", self.headcount_view.as_view(), name="headcount"),
            path(
                "effectifs/export.csv",
                self.headcount_export_view.as_view(),
                name="headcount-export",
            ),
            path(
                "effectifs/reservations/<int:pk>/annuler/",
                self.booking_cancel_view.as_view(),
                name="booking-cancel",
            ),
            path("fermetures/", self.closure_list_view.as_view(), name="closure-list"),
            path(
                "fermetures/confirmer/",
                self.closure_confirm_view.as_view(),
                name="closure-confirm",
            ),
            path(
                "fermetures/<int:pk>/supprimer/",
                self.closure_delete_view.as_view(),
                name="closure-delete",
            ),
            path("effectifs/prestataire/", self.caterer_view.as_view(), name="caterer"),
            path(
                "effectifs/prestataire/destinataires/<int:pk>/supprimer/",
                self.caterer_recipient_delete_view.as_view(),
                name="caterer-recipient-delete",
            ),
            path(
                "effectifs/prestataire/<int:pk>/",
                self.snapshot_detail_view.as_view(),
                name="snapshot-detail",
            ),
            path("services/", self.service_rules_view.as_view(), name="service-rules"),
            path(
                "services/<int:pk>/calendrier/",
                self.service_calendar_view.as_view(),
                name="service-calendar",
            ),
            path(
                "services/<int:pk>/tarifs/",
                self.service_tariff_view.as_view(),
                name="service-tariff",
            ),
            path(
                "services/<int:pk>/pieces/",
                self.service_requirements_view.as_view(),
                name="service-requirements",
            ),
            path("pointage/", self.attendance_view.as_view(), name="attendance"),
            path(
                "justificatifs/", self.justification_list_view.as_view(), name="justification-list"
            ),
            path(
                "justificatifs/<int:pk>/",
                self.justification_detail_view.as_view(),
                name="justification-detail",
            ),
            path(
                "justificatifs/<int:pk>/fichier/",
                self.justification_document_view.as_view(),
                name="justification-document",
            ),
        ]
        return self.post_process_urls(urls)
