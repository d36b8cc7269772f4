from django.urls import path

from . import api, api_notifications
from .feeds_api import CalendarFeedsView, RenewCalendarFeedView
from .rgpd_api import CloseAccountView, ExportView

app_name = "accounts"

urlpatterns = [
    path("csrf/", api.CsrfTokenView.as_view(), name="csrf"),
    path("register/", api.RegisterView.as_view(), name="register"),
    path("me/", api.ProfileView.as_view(), name="me"),
    path("me/email/", api.EmailChangeView.as_view(), name="change-email"),
    path("me/password/", api.PasswordChangeView.as_view(), name="change-password"),
    path("me/export/", ExportView.as_view(), name="export"),
    path("me/close/", CloseAccountView.as_view(), name="close"),
    path("me/calendar-feeds/", CalendarFeedsView.as_view(), name="calendar-feeds"),
    path(
        "me/calendar-feeds/<int:beneficiary>/renew/",
        RenewCalendarFeedView.as_view(),
        name="calendar-feed-renew",
    ),
    path(
        "me/notifications/",
        api_notifications.NotificationPreferencesView.as_view(),
        name="notifications",
    ),
    path("password-reset/", api.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/confirm/",
        api.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]
