from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import User
from .services import validate_account


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_validated", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("validated_at", "validated_by", "last_login", "date_joined")
    actions = ["validate_selected_accounts"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Informations personnelles"),
            {
                "fields": (
                    "civility",
                    "first_name",
                    "last_name",
                    "birth_date",
                    "newsletter",
                    "is_company",
                    "terms_accepted_at",
                )
            },
        ),
        (_("Validation"), {"fields": ("validated_at", "validated_by")}),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(boolean=True, description=_("validé"))
    def is_validated(self, obj):
        return obj.is_validated

    @admin.action(description=_("Valider les comptes sélectionnés"))
    def validate_selected_accounts(self, request, queryset):
        pending = queryset.filter(validated_at__isnull=True)
        count = 0
        for account in pending:
            validate_account(account, validated_by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%d compte validé.", "%d comptes validés.", count) % count,
            messages.SUCCESS,
        )
