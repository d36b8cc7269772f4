from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import roles, session_expiry

        # Groups reference permissions, which exist only once every app has migrated.
        post_migrate.connect(roles.sync_role_groups, dispatch_uid="accounts.sync_role_groups")
        user_logged_in.connect(
            session_expiry.stamp_new_session, dispatch_uid="accounts.stamp_new_session"
        )
