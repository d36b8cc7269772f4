"""What a day of attendance costs: the day's price (as the booking froze it, or as the grid
prices it today for a presence without booking) times the percentage its state carries.

Pure: no ORM, the modifiers and the base price are passed in. `base_price_for` below is the
one database-reading helper, kept apart at the end, for billing to price unbooked days."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wallet.money import euros

CENT = Decimal("0.01")
HUNDRED = Decimal("100")

PRESENT = "present"
ABSENT = "absent"
ABSENT_JUSTIFIED = "absent_justified"
PRESENT_UNBOOKED = "present_unbooked"

STATE_LABELS = {
    PRESENT: gettext_lazy("Présent"),
    ABSENT: gettext_lazy("Absence non justifiée"),
    ABSENT_JUSTIFIED: gettext_lazy("Absence justifiée"),
    PRESENT_UNBOOKED: gettext_lazy("Présent sans réservation"),
}


@dataclass(frozen=True)
class AttendanceModifiers:
    """Percent of the day's price each attendance state costs. The defaults are a service's
    without settings: a booked day costs its price whether the child came or not, a justified
    absence nothing, a presence without booking half as much again."""

    present: Decimal = Decimal(100)
    absent: Decimal = Decimal(100)
    absent_justified: Decimal = Decimal(0)
    present_unbooked: Decimal = Decimal(150)

    def percent_for(self, state: str) -> Decimal:
        if state not in STATE_LABELS:
            raise ValueError(f"Unknown attendance state: {state!r}")
        return getattr(self, state)


DEFAULT_MODIFIERS = AttendanceModifiers()


@dataclass(frozen=True)
class AttendancePrice:
    """The amount of one day of attendance and, in one French sentence, how it was computed
    (stored on the invoice line)."""

    amount: Decimal
    explanation: str


def price_for_attendance(
    base_price: Decimal, state: str, modifiers: AttendanceModifiers = DEFAULT_MODIFIERS
) -> AttendancePrice:
    """`base_price` × the state's percentage, rounded to the cent half away from zero (as a
    French invoice does). Raises ValueError for an unknown state or a negative price."""
    if base_price < 0:
        raise ValueError("A base price is never negative.")
    percent = modifiers.percent_for(state)
    amount = (base_price * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    values = {
        "state": STATE_LABELS[state],
        "percent": _percent(percent),
        "base": euros(base_price),
        "amount": euros(amount),
    }
    if percent == HUNDRED:
        explanation = _("%(state)s : prix du jour, %(amount)s.") % values
    elif percent == 0:
        explanation = _("%(state)s : non facturé (prix du jour %(base)s).") % values
    else:
        explanation = _("%(state)s : %(percent)s %% de %(base)s, soit %(amount)s.") % values
    return AttendancePrice(amount=amount, explanation=explanation)


def _percent(value: Decimal) -> str:
    # "150" rather than "150.00"; a French decimal comma for "12,5".
    text = format(value.normalize(), "f")
    return text.replace(".", ",")
