"""Attendance ("pointage"): who was there on a service day, as staff recorded it, and the
parents' absence justifications (a medical certificate for given days)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..storage import justification_upload_to, private_storage


class AttendanceState(models.TextChoices):
    PRESENT = "present", _("Présent")
    ABSENT = "absent", _("Absent")
    ABSENT_JUSTIFIED = "absent_justified", _("Absence justifiée")
    PRESENT_UNBOOKED = "present_unbooked", _("Présent sans réservation")


class Attendance(models.Model):
    """One beneficiary's attendance at a service on a local date. `booking` is the booking it
    answers, none only for a presence without booking. Once the day is billed (`locked_at`),
    nothing changes it: reservations/attendance.py refuses, in French."""

    beneficiary = models.ForeignKey(
        "reservations.Beneficiary",
        verbose_name=_("bénéficiaire"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    service = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"structure": "parent"},
    )
    date = models.DateField(_("date"))
    booking = models.ForeignKey(
        "reservations.Booking",
        verbose_name=_("réservation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    state = models.CharField(_("pointage"), max_length=20, choices=AttendanceState.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pointé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("pointé le"))
    locked_at = models.DateTimeField(_("facturé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("pointage")
        verbose_name_plural = _("pointages")
        ordering = ["date", "service_id", "beneficiary_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "service", "date"],
                name="one_attendance_per_beneficiary_service_day",
            ),
            models.CheckConstraint(
                condition=Q(state__in=AttendanceState.values), name="attendance_state_known"
            ),
            # A presence without booking has no booking; every other state answers one.
            models.CheckConstraint(
                condition=Q(booking__isnull=True, state=AttendanceState.PRESENT_UNBOOKED)
                | (Q(booking__isnull=False) & ~Q(state=AttendanceState.PRESENT_UNBOOKED)),
                name="attendance_booking_iff_booked_state",
            ),
        ]
        indexes = [models.Index(fields=["service", "date"])]

    def __str__(self):
        return f"{self.beneficiary} — {self.date:%d/%m/%Y} — {self.get_state_display()}"


class JustificationStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")


class AbsenceJustification(models.Model):
    """A parent's certificate for a beneficiary's absence from a service, from `start_date` to
    `end_date` included. An agent of the service's commune accepts it (the days become justified
    absences, credited or not billed) or refuses it with a reason."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.PROTECT,
        related_name="absence_justifications",
    )
    beneficiary = models.ForeignKey(
        "reservations.Beneficiary",
        verbose_name=_("bénéficiaire"),
        on_delete=models.PROTECT,
        related_name="absence_justifications",
    )
    service = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"structure": "parent"},
    )
    commune = models.ForeignKey(
        "partner.Partner", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au"))
    comment = models.CharField(_("commentaire"), max_length=500, blank=True)
    file = models.FileField(
        _("justificatif"),
        storage=private_storage,
        upload_to=justification_upload_to,
        max_length=255,
    )
    original_name = models.CharField(_("nom du fichier envoyé"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField(_("taille (octets)"))
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=JustificationStatus.choices,
        default=JustificationStatus.PENDING,
    )
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("examinée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("examinée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("justificatif d'absence")
        verbose_name_plural = _("justificatifs d'absence")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="justification_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status__in=JustificationStatus.values),
                name="justification_status_known",
            ),
            # Decided means decided by someone, at a time; a refusal says why.
            models.CheckConstraint(
                condition=Q(status=JustificationStatus.PENDING) | Q(reviewed_at__isnull=False),
                name="reviewed_justification_has_a_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=JustificationStatus.REFUSED) | ~Q(reason=""),
                name="refused_justification_has_a_reason",
            ),
        ]
        indexes = [models.Index(fields=["commune", "status"])]

    def __str__(self):
        return f"{self.beneficiary} — {self.start_date:%d/%m/%Y} – {self.end_date:%d/%m/%Y}"
