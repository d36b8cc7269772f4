"""The pointage sheet of one service day, as the dashboard's screen and the agents' API show it:
the headcount's groups (reservations/headcount.py) as rows with the state recorded, the
service's other children a presence without booking may add, and the day's lock."""

from dataclasses import dataclass

from .attendance import BOOKED_STATES, day_lock, locked_message
from .headcount import CLASS_ORDER, headcount_for
from .models import (
    AbsenceJustification,
    AccessStatus,
    Attendance,
    AttendanceState,
    Beneficiary,
    JustificationStatus,
)


@dataclass(frozen=True)
class Row:
    """One child of the list: their booking (None for a presence without booking) and the state
    recorded, or the one the form proposes (present) when nobody pointed them yet."""

    beneficiary: Beneficiary
    booking: object
    state: str
    recorded: bool
    # A certificate for this day waits for an agent (the dashboard's Justificatifs d'absence).
    certificate_pending: bool = False


@dataclass(frozen=True)
class Section:
    label: str
    rows: list[Row]


def unbooked_candidates(service, day, booked_ids) -> list[Beneficiary]:
    """The service's children (an accepted access, not archived) not booked that day, in school
    order: those an agent may point present without booking."""
    return sorted(
        Beneficiary.objects.filter(
            service_accesses__status=AccessStatus.ACCEPTED,
            service_accesses__tariff_option__parent=service,
            archived_at__isnull=True,
        )
        .exclude(pk__in=booked_ids)
        .distinct(),
        key=lambda b: (
            CLASS_ORDER.get(b.school_class, len(CLASS_ORDER)),
            b.group.casefold(),
            b.last_name.casefold(),
            b.first_name.casefold(),
        ),
    )


def pointage(service, day) -> dict:
    """What the screen shows: the headcount's groups as sections of rows, the candidates for a
    presence without booking (ticked when recorded), and the day's lock."""
    headcount = headcount_for(service, day)
    recorded = {
        a.beneficiary_id: a
        for a in Attendance.objects.filter(service=service, date=day).only(
            "beneficiary_id", "state"
        )
    }
    pending = set(
        AbsenceJustification.objects.filter(
            service=service,
            status=JustificationStatus.PENDING,
            start_date__lte=day,
            end_date__gte=day,
        ).values_list("beneficiary_id", flat=True)
    )
    sections = [
        Section(
            group.label,
            [
                Row(
                    b.beneficiary,
                    b,
                    recorded[b.beneficiary_id].state
                    if b.beneficiary_id in recorded
                    else AttendanceState.PRESENT,
                    b.beneficiary_id in recorded,
                    b.beneficiary_id in pending,
                )
                for b in group.bookings
            ],
        )
        for group in headcount.groups
    ]
    booked_ids = {b.beneficiary_id for b in headcount.bookings}
    unbooked = [
        Row(
            beneficiary,
            None,
            AttendanceState.PRESENT_UNBOOKED,
            getattr(recorded.get(beneficiary.pk), "state", "") == AttendanceState.PRESENT_UNBOOKED,
        )
        for beneficiary in unbooked_candidates(service, day, booked_ids)
    ]
    locked_at = day_lock(service.pk, day)
    return {
        "headcount": headcount,
        "sections": sections,
        "unbooked": unbooked,
        "unbooked_count": sum(row.recorded for row in unbooked),
        "locked_reason": locked_message(day, locked_at) if locked_at else "",
        "booked_states": [(s, AttendanceState(s).label) for s in BOOKED_STATES],
    }
