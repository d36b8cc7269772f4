from django.contrib import admin

from .models import Beneficiary


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "birth_date", "account", "school_class")
    search_fields = ("last_name", "first_name", "account__email")
    list_select_related = ("account",)
    raw_id_fields = ("account",)
