from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import (
    AbsenceJustification,
    Attendance,
    Beneficiary,
    CatererRecipient,
    Closure,
    HeadcountSnapshot,
    OpeningPeriod,
    SchoolHoliday,
    ServiceCalendar,
    TariffGrid,
    TariffRow,
)
from .models.calendars import DUPLICATE_TARIFF_ROW


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "birth_date", "account", "school_class")
    search_fields = ("last_name", "first_name", "account__email")
    list_select_related = ("account",)
    raw_id_fields = ("account",)


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 0


class ClosureAdminForm(forms.ModelForm):
    """A closure's last day defaults to its first: most closures last one day."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("end_date"):
            cleaned["end_date"] = cleaned.get("date")
        return cleaned


class ClosureInline(admin.TabularInline):
    model = Closure
    form = ClosureAdminForm
    extra = 0
    fields = ("date", "end_date", "school_class", "group", "reason", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")


@admin.register(ServiceCalendar)
class ServiceCalendarAdmin(admin.ModelAdmin):
    list_display = ("service", "school_zone", "closed_during_school_holidays", "daily_capacity")
    list_filter = ("school_zone", "closed_during_school_holidays")
    search_fields = ("service__title",)
    list_select_related = ("service",)
    raw_id_fields = ("service",)
    inlines = (OpeningPeriodInline, ClosureInline)

    def save_formset(self, request, form, formset, change):
        # Who closed a day is recorded: parents whose meals it cancels may ask.
        for instance in formset.save(commit=False):
            if isinstance(instance, Closure) and instance.created_by_id is None:
                instance.created_by = request.user
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "start", "end")
    list_filter = ("zone", "name")
    date_hierarchy = "start"
    ordering = ("start", "zone")


class TariffRowFormSet(BaseInlineFormSet):
    """Refuses, in French, two rows of the grid for the same bracket saved together: each
    form checks the rows already saved (the model's constraint), not its neighbours."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            key = tuple(
                data.get(name)
                for name in ("category", "residence", "sibling_rank", "family_quotient_min")
            )
            if key in seen:
                form.add_error(None, DUPLICATE_TARIFF_ROW)
                raise ValidationError(DUPLICATE_TARIFF_ROW)
            seen.add(key)


class TariffRowInline(admin.TabularInline):
    model = TariffRow
    formset = TariffRowFormSet
    extra = 0


ATTENDANCE_PERCENTS = (
    "present_percent",
    "absent_percent",
    "absent_justified_percent",
    "present_unbooked_percent",
)


class TariffGridAdminForm(forms.ModelForm):
    """The attendance percentages may be left out (a script's post, an older form): the grid
    keeps its values, the defaults for a new one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ATTENDANCE_PERCENTS:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in ATTENDANCE_PERCENTS:
            if data.get(name) is None:
                data[name] = getattr(self.instance, name)
        return data


@admin.register(TariffGrid)
class TariffGridAdmin(admin.ModelAdmin):
    form = TariffGridAdminForm
    list_display = ("service", "mode", "effort_rate", "floor", "ceiling")
    list_filter = ("mode",)
    search_fields = ("service__title",)
    list_select_related = ("service",)
    raw_id_fields = ("service",)
    inlines = (TariffRowInline,)


@admin.register(CatererRecipient)
class CatererRecipientAdmin(admin.ModelAdmin):
    list_display = ("service", "email", "label", "created_by", "created_at")
    search_fields = ("service__title", "email", "label")
    list_select_related = ("service", "created_by")
    raw_id_fields = ("service",)
    readonly_fields = ("created_by", "created_at")


@admin.register(HeadcountSnapshot)
class HeadcountSnapshotAdmin(admin.ModelAdmin):
    """Read only: a snapshot is what the caterer received."""

    list_display = ("date", "service", "total", "frozen_at", "sent_at")
    list_filter = ("date",)
    search_fields = ("service__title",)
    list_select_related = ("service",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read only: pointage and certificates change through their use cases (locks of billed
    days, refunds, e-mails), which the admin's forms would bypass."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("date", "service", "beneficiary", "state", "recorded_by", "locked_at")
    list_filter = ("state", "date")
    search_fields = ("beneficiary__last_name", "beneficiary__first_name")
    list_select_related = ("service", "beneficiary", "recorded_by")
    date_hierarchy = "date"


@admin.register(AbsenceJustification)
class AbsenceJustificationAdmin(ReadOnlyAdmin):
    list_display = ("beneficiary", "service", "start_date", "end_date", "status", "reviewed_by")
    list_filter = ("status", "commune")
    search_fields = ("beneficiary__last_name", "beneficiary__first_name", "account__email")
    list_select_related = ("service", "beneficiary", "reviewed_by")
    exclude = ("file",)  # a private file has no URL: agents download it from the dashboard
