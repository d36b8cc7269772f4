"""Django admin for billing: an administrator sets each commune's debt threshold and each
régie's SEPA creditor identity (IBAN and BIC checked). Invoices, payments, mandates and debit
files are read-only here: they are public accounting, written only by billing's services. A
service is made post-paid on its régie's page (wallet's admin: "facturé après service")."""

from django import forms
from django.contrib import admin

from . import rules
from .models import (
    BillingRun,
    DebitBatch,
    DebtThreshold,
    Invoice,
    InvoicePayment,
    SepaCreditor,
    SepaMandate,
)


@admin.register(DebtThreshold)
class DebtThresholdAdmin(admin.ModelAdmin):
    list_display = ("commune", "amount")


class SepaCreditorForm(forms.ModelForm):
    class Meta:
        model = SepaCreditor
        fields = ["regie", "name", "creditor_id", "iban", "bic"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left blank, the BIC is the one the IBAN's bank code gives.
        self.fields["bic"].required = False

    def clean(self):
        data = super().clean()
        try:
            data["iban"], data["bic"] = rules.checked_bank_details(
                data.get("iban", ""), data.get("bic", "")
            )
        except rules.BankDetailsError as error:
            raise forms.ValidationError({error.field: str(error)}) from error
        return data


@admin.register(SepaCreditor)
class SepaCreditorAdmin(admin.ModelAdmin):
    form = SepaCreditorForm
    list_display = ("regie", "name", "creditor_id")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "regie", "owner", "period", "status", "total", "paid_amount")
    list_filter = ("status", "regie", "period")
    search_fields = ("number", "owner__email")
    list_select_related = ("regie", "owner")


@admin.register(InvoicePayment)
class InvoicePaymentAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "method", "amount", "created_at", "rejected_at")
    list_filter = ("method",)
    list_select_related = ("invoice",)


@admin.register(SepaMandate)
class SepaMandateAdmin(ReadOnlyAdmin):
    list_display = ("rum", "regie", "owner", "signed_on", "sequence_type", "revoked_at")
    list_filter = ("regie", "sequence_type")
    search_fields = ("rum", "owner__email")


@admin.register(DebitBatch)
class DebitBatchAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "regie", "collection_date", "count", "total", "created_at")
    exclude = ("xml",)


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = ("regie", "period", "status", "ran_by", "ran_at")
    list_filter = ("status", "regie")
