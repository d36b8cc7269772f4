"""The parent's absence certificate form ("Justifier une absence"): it parses what the parent
chose; reservations/justifications.py checks the days and the file."""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from reservations.models import ACTIVE_BOOKING_STATUSES, Booking
from reservations.selectors import beneficiaries_of

from .base import AccessibleFormMixin
from .family import DOCUMENT_HELP, DateInput

Product = get_model("catalogue", "Product")


def booked_services(account):
    """The services the family has bookings at: the only ones a certificate can be for."""
    booked = Booking.objects.filter(account=account, status__in=ACTIVE_BOOKING_STATUSES)
    return Product.objects.filter(
        structure=Product.PARENT, pk__in=booked.values("service_id")
    ).order_by("title")


class JustificationForm(AccessibleFormMixin, forms.Form):
    beneficiary = forms.ModelChoiceField(queryset=None, label=_("Enfant"))
    service = forms.ModelChoiceField(queryset=None, label=_("Service"))
    start_date = forms.DateField(label=_("Absent à partir du"), widget=DateInput())
    end_date = forms.DateField(
        label=_("Jusqu'au (inclus)"),
        widget=DateInput(),
        help_text=_("Le même jour pour une seule journée ; 31 jours au plus."),
    )
    file = forms.FileField(label=_("Certificat médical ou justificatif"), help_text=DOCUMENT_HELP)
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].queryset = beneficiaries_of(account).order_by("first_name")
        self.fields["beneficiary"].label_from_instance = lambda b: b.first_name
        self.fields["service"].queryset = booked_services(account)
        self.fields["service"].label_from_instance = lambda s: s.title
