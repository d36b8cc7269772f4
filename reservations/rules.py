"""Pure rules of the reservations domain: no ORM, inputs passed in.

Family quotient, deadlines (the clock is passed in; Europe/Paris wall time), which days a
service is open, and the price of a meal with its explanation."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import ClassVar, Protocol
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Explanations are written in the active language, and so are their amounts.
from wallet.money import euros

CENT = Decimal("0.01")
QUARTER_SHARE = Decimal("0.25")
MAX_TAX_SHARES = Decimal("20")


def family_quotient(reference_tax_income, tax_shares) -> Decimal:
    """The "quotient familial": reference tax income / 12 / number of tax shares, in euros
    rounded to the cent (half up, as the CAF rounds).

    Tax shares come in quarters (1, 1.25, 1.5 … ); zero, negative or absurd counts are refused."""
    try:
        income = Decimal(str(reference_tax_income))
        shares = Decimal(str(tax_shares))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(
            _("Le revenu et le nombre de parts doivent être des nombres.")
        ) from error
    if not income.is_finite() or income < 0:
        raise ValidationError(
            _("Le revenu fiscal de référence doit être un montant positif ou nul."),
            code="invalid_income",
        )
    if not shares.is_finite() or shares <= 0:
        raise ValidationError(
            _("Le nombre de parts fiscales doit être supérieur à zéro."), code="invalid_shares"
        )
    if shares > MAX_TAX_SHARES or shares % QUARTER_SHARE != 0:
        raise ValidationError(
            _("Le nombre de parts fiscales va de quart en quart (1 ; 1,25 ; 1,5 ; 2 …)."),
            code="invalid_shares",
        )
    return (income / 12 / shares).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Deadlines -------------------------------------------------------------------------------
# A meal's date is a local calendar date; its deadlines are instants, computed on the Paris wall
# clock. Datetimes are always built from a date and a wall time with zoneinfo, never by adding a
# timedelta to an aware datetime, so that 10:00 stays 10:00 across a change of daylight saving.

PARIS = ZoneInfo("Europe/Paris")

DAYS_BEFORE = "days_before"
WEEKDAY_OF_PREVIOUS_WEEK = "weekday_of_previous_week"
DAY_OF_PREVIOUS_MONTH = "day_of_previous_month"


@dataclass(frozen=True)
class DaysBefore:
    """Rule "J-N à HH:MM": N days before the meal, counting calendar days or working days (a working
    day is neither a Saturday, a Sunday nor a public holiday)."""

    days: int
    at: time
    working_days: bool = False
    kind: ClassVar[str] = DAYS_BEFORE


@dataclass(frozen=True)
class WeekdayOfPreviousWeek:
    """Rule "le mardi de la semaine précédente à 23:59": weekday W (ISO, 1 = Monday) of the week
    (Monday to Sunday) before the meal's week."""

    weekday: int
    at: time
    kind: ClassVar[str] = WEEKDAY_OF_PREVIOUS_WEEK


@dataclass(frozen=True)
class DayOfPreviousMonth:
    """Rule "le 20 du mois précédent à HH:MM": day D of the month before the meal's month, or the
    last day of that month when it has no day D."""

    day: int
    at: time
    kind: ClassVar[str] = DAY_OF_PREVIOUS_MONTH


DeadlineRule = DaysBefore | WeekdayOfPreviousWeek | DayOfPreviousMonth


def deadline_rule(kind: str, params: Mapping) -> DeadlineRule:
    """Build a rule from its stored form (a kind and a JSON object), e.g. ("days_before",
    {"days": 2, "at": "10:00", "working_days": true}); a malformed one is a ValidationError."""
    try:
        at = _wall_time(params["at"])
        if kind == DAYS_BEFORE:
            days = _integer(params["days"], 0, 366)
            working_days = params.get("working_days", False)
            if not isinstance(working_days, bool):
                raise ValueError(working_days)
            return DaysBefore(days=days, at=at, working_days=working_days)
        if kind == WEEKDAY_OF_PREVIOUS_WEEK:
            return WeekdayOfPreviousWeek(weekday=_integer(params["weekday"], 1, 7), at=at)
        if kind == DAY_OF_PREVIOUS_MONTH:
            return DayOfPreviousMonth(day=_integer(params["day"], 1, 31), at=at)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(
            _("Règle de date limite incomplète ou invalide : %(params)s") % {"params": params},
            code="invalid_deadline_rule",
        ) from error
    raise ValidationError(
        _("Type de règle de date limite inconnu : %(kind)s") % {"kind": kind},
        code="invalid_deadline_rule",
    )


FRENCH_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def describe_rule(rule: DeadlineRule) -> str:
    """The rule in the words a regulation uses: "2 jours ouvrés avant, à 10:00"."""
    at = rule.at.strftime("%H:%M")
    if isinstance(rule, DaysBefore):
        unit = "jour ouvré" if rule.working_days else "jour"
        plural = "s" if rule.days > 1 else ""
        unit = unit.replace("jour", f"jour{plural}").replace("ouvré", f"ouvré{plural}")
        return _("%(days)d %(unit)s avant, à %(at)s") % {"days": rule.days, "unit": unit, "at": at}
    if isinstance(rule, WeekdayOfPreviousWeek):
        return _("le %(weekday)s de la semaine précédente, à %(at)s") % {
            "weekday": FRENCH_WEEKDAYS[rule.weekday - 1],
            "at": at,
        }
    return _("le %(day)d du mois précédent, à %(at)s") % {"day": rule.day, "at": at}


def deadline_rule_params(rule: DeadlineRule) -> dict:
    """The stored form of a rule (the inverse of `deadline_rule`), without its kind."""
    params = {"at": rule.at.strftime("%H:%M")}
    if isinstance(rule, DaysBefore):
        params |= {"days": rule.days, "working_days": rule.working_days}
    elif isinstance(rule, WeekdayOfPreviousWeek):
        params["weekday"] = rule.weekday
    else:
        params["day"] = rule.day
    return params


def _wall_time(value) -> time:
    at = value if isinstance(value, time) else time.fromisoformat(value)
    if at.tzinfo is not None:  # a wall time is read on the Paris clock, never with an offset
        raise ValueError(value)
    return at


def _integer(value, lowest: int, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise ValueError(value)
    return value


def deadline_for(
    rule: DeadlineRule, meal_date: date, public_holidays: Collection[date]
) -> datetime:
    """The instant (aware, Europe/Paris) until which the meal of `meal_date` may be booked or
    cancelled under `rule`. `public_holidays` must cover the dates a working-day count visits.

    Compare or subtract it in UTC: Python does wall-clock arithmetic between two datetimes that
    share a tzinfo."""
    if isinstance(rule, DaysBefore):
        day = _days_before(meal_date, rule.days, rule.working_days, public_holidays)
    elif isinstance(rule, WeekdayOfPreviousWeek):
        monday_of_previous_week = meal_date - timedelta(days=meal_date.isoweekday() - 1 + 7)
        day = monday_of_previous_week + timedelta(days=rule.weekday - 1)
    elif isinstance(rule, DayOfPreviousMonth):
        last_of_previous_month = meal_date.replace(day=1) - timedelta(days=1)
        day = last_of_previous_month.replace(day=min(rule.day, last_of_previous_month.day))
    else:
        raise TypeError(f"Unknown deadline rule: {rule!r}")
    return paris_datetime(day, rule.at)


def is_before_deadline(
    rule: DeadlineRule, meal_date: date, now: datetime, public_holidays: Collection[date]
) -> bool:
    """Whether `now` (aware) is strictly before the deadline: at the deadline itself it is late."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    # Compared in UTC: Python compares two datetimes of the same tzinfo by wall time, fold
    # ignored, which would take 02:15 of the autumn's second pass for 02:15 of the first.
    return now.astimezone(UTC) < deadline_for(rule, meal_date, public_holidays).astimezone(UTC)


def is_working_day(day: date, public_holidays: Collection[date]) -> bool:
    return day.isoweekday() < 6 and day not in public_holidays


def _days_before(
    meal_date: date, days: int, working_days: bool, public_holidays: Collection[date]
) -> date:
    if not working_days:
        return meal_date - timedelta(days=days)
    day = meal_date
    for _step in range(days):
        day -= timedelta(days=1)
        while not is_working_day(day, public_holidays):
            day -= timedelta(days=1)
    return day


def paris_datetime(day: date, at: time) -> datetime:
    """The first instant at which the Paris wall clock reads `day` `at` or later.

    On the autumn change (02:00–03:00 happens twice) that is the first pass, in summer time; on
    the spring change (02:00–03:00 never happens) it is 03:00 summer time, when the clock jumps."""
    naive = datetime.combine(day, at)
    for minutes in range(0, 24 * 60):
        wall = naive + timedelta(minutes=minutes)  # naive: plain wall-clock arithmetic
        moment = wall.replace(tzinfo=PARIS, fold=0)
        if moment.astimezone(UTC).astimezone(PARIS).replace(tzinfo=None) == wall:
            return moment
    raise ValueError(f"No such wall time in Europe/Paris: {naive}")  # pragma: no cover


def format_deadline(moment: datetime) -> str:
    """A deadline as parents read it: "le 12/01 à 10:00", on the Paris wall clock."""
    local = moment.astimezone(PARIS)
    return _("le %(date)s à %(time)s") % {
        "date": local.strftime("%d/%m"),
        "time": local.strftime("%H:%M"),
    }


# --- Calendars -------------------------------------------------------------------------------

NOT_A_WORKING_DAY = gettext_lazy("Jour non travaillé")
PUBLIC_HOLIDAY = gettext_lazy("Férié")
SCHOOL_HOLIDAYS = gettext_lazy("Vacances scolaires")
OUTSIDE_OPENING_PERIODS = gettext_lazy("Hors période d'ouverture")
EXCEPTIONAL_CLOSURE = gettext_lazy("Fermeture exceptionnelle : %(reason)s")


@dataclass(frozen=True)
class Period:
    """Dates from `start` to `end`, both included (an opening period, school holidays)."""

    start: date
    end: date
    label: str = ""

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class CalendarConfig:
    """What decides whether a service is open on a day: its open weekdays (ISO, 1 = Monday),
    its opening periods, and whether it closes during the school holidays of its zone."""

    open_weekdays: frozenset[int]
    opening_periods: tuple[Period, ...]
    closed_during_school_holidays: bool = True


@dataclass(frozen=True)
class DayState:
    open: bool
    reason: str = ""  # why a closed day is closed, in French; empty when open


def day_state(
    config: CalendarConfig,
    day: date,
    public_holidays: Collection[date],
    school_holidays: Iterable[Period],
    closures: Mapping[date, str],
) -> DayState:
    """Open, or closed with the reason shown to the parent. When several reasons apply, the
    first of: day not worked, exceptional closure, public holiday, school holidays, outside the
    opening periods. `school_holidays` are those of the service's zone; `closures` maps a date
    to the agent's reason (strike, school trip)."""
    if day.isoweekday() not in config.open_weekdays:
        return DayState(False, str(NOT_A_WORKING_DAY))
    if day in closures:
        return DayState(False, str(EXCEPTIONAL_CLOSURE) % {"reason": closures[day]})
    if day in public_holidays:
        return DayState(False, str(PUBLIC_HOLIDAY))
    if config.closed_during_school_holidays and any(day in h for h in school_holidays):
        return DayState(False, str(SCHOOL_HOLIDAYS))
    if not any(day in period for period in config.opening_periods):
        return DayState(False, str(OUTSIDE_OPENING_PERIODS))
    return DayState(True)


def open_days(
    config: CalendarConfig,
    start: date,
    end: date,
    public_holidays: Collection[date],
    school_holidays: Iterable[Period],
    closures: Mapping[date, str],
) -> list[date]:
    """The bookable dates from `start` to `end` (both included), in order."""
    school_holidays = tuple(school_holidays)
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [
        day
        for day in days
        if day_state(config, day, public_holidays, school_holidays, closures).open
    ]


# --- Can this meal be booked ----------------------------------------------------------------
# One rule for the month calendar, the basket, the checkout's second look and the booking itself.

NO_ACCESS = "no_access"
DAY_CLOSED = "closed"
ALREADY_BOOKED = "booked"
ALREADY_IN_BASKET = "in_basket"
PAST_DEADLINE = "past_deadline"
DAY_FULL = "full"


@dataclass(frozen=True)
class MealDay:
    """What decides whether one beneficiary's meal on one day can be booked: the day's state,
    its booking deadline (None: the service sets none), the seats (capacity None: unlimited;
    `seats_wanted` are those asked for at once that day), and the family's own situation."""

    state: DayState
    booking_deadline: datetime | None
    capacity: int | None = None
    seats_taken: int = 0
    seats_wanted: int = 1
    booked: bool = False
    in_basket: bool = False
    access_accepted: bool = True


@dataclass(frozen=True)
class Refusal:
    """Why a meal cannot be booked: a code for the screens, a sentence for the parent."""

    code: str
    reason: str


def meal_refusal(meal: MealDay, now: datetime) -> Refusal | None:
    """None when the meal can be booked at `now`, else the first reason it cannot, in this
    order: no accepted access, day closed, already booked, already in the basket, booking
    deadline passed, not enough seats left."""
    if not meal.access_accepted:
        return Refusal(NO_ACCESS, _("Pas d'accès accepté à ce service pour ce bénéficiaire."))
    if not meal.state.open:
        return Refusal(DAY_CLOSED, _("Jour fermé : %(reason)s.") % {"reason": meal.state.reason})
    if meal.booked:
        return Refusal(ALREADY_BOOKED, _("Ce repas est déjà réservé."))
    if meal.in_basket:
        return Refusal(ALREADY_IN_BASKET, _("Ce repas est déjà dans votre panier."))
    deadline = meal.booking_deadline
    if deadline is not None and now.astimezone(UTC) >= deadline.astimezone(UTC):
        return Refusal(
            PAST_DEADLINE,
            _("La date limite de réservation était %(deadline)s.")
            % {"deadline": format_deadline(deadline)},
        )
    if meal.capacity is not None and meal.seats_taken + meal.seats_wanted > meal.capacity:
        left = max(meal.capacity - meal.seats_taken, 0)
        return Refusal(
            DAY_FULL,
            _("Plus assez de places ce jour-là (places restantes : %(left)s).") % {"left": left},
        )
    return None


# --- Tariffs ---------------------------------------------------------------------------------

CHILD = "child"
ADULT = "adult"
RESIDENT = "resident"
NON_RESIDENT = "non_resident"
ANY_RESIDENCE = "any"
GRID = "grid"
EFFORT_RATE = "effort_rate"
MAX_SIBLING_RANK = 3
HUNDRED = Decimal("100")


class NoTariffError(ValueError):
    """The grid has no price for this beneficiary: the agent must complete it."""


@dataclass(frozen=True)
class TariffLine:
    """One price of a grid. The family-quotient bracket runs from `family_quotient_min`
    included to `family_quotient_max` excluded; None leaves that end open. `sibling_rank` 3
    means "3rd child and more"."""

    category: str
    residence: str
    family_quotient_min: Decimal | None
    family_quotient_max: Decimal | None
    sibling_rank: int
    unit_price: Decimal

    def covers(self, quotient: Decimal) -> bool:
        low, high = self.family_quotient_min, self.family_quotient_max
        return (low is None or quotient >= low) and (high is None or quotient < high)


@dataclass(frozen=True)
class TariffConfig:
    """A service's tariff: a grid of lines, or an effort rate (a percentage of the family
    quotient) bounded by a floor and a ceiling."""

    mode: str = GRID
    lines: tuple[TariffLine, ...] = ()
    effort_rate: Decimal | None = None  # in percent: 0.5 means 0.5 % of the quotient
    floor: Decimal | None = None
    ceiling: Decimal | None = None


@dataclass(frozen=True)
class PriceExplanation:
    """A unit price and why ("pourquoi ce prix"): the bracket, the sibling rank and the
    residence that chose it, and one sentence in French for the parent."""

    unit_price: Decimal
    bracket_label: str
    rank: int
    residence: str
    explanation_fr: str
    # The reason in a few words, for a calendar cell at 360 px ("QF 600–800, 2e enfant").
    short_fr: str = ""


def price_for(
    grid: TariffConfig,
    *,
    category: str,
    resident: bool,
    family_quotient: Decimal | None,
    sibling_rank: int,
) -> PriceExplanation:
    """The unit price of one meal for a beneficiary. With no family quotient on file, the top
    bracket applies (in effort-rate mode: the ceiling)."""
    residence = RESIDENT if resident else NON_RESIDENT
    rank = min(max(sibling_rank, 1), MAX_SIBLING_RANK)
    if grid.mode == EFFORT_RATE:
        return _effort_rate_price(grid, residence, family_quotient, rank)
    return _grid_price(grid, category, residence, family_quotient, rank)


def _grid_price(grid, category, residence, quotient, rank) -> PriceExplanation:
    # A line for the exact residence beats a line for any residence; a rank the grid does not
    # list takes the highest rank it lists below it (a grid without ranks prices all alike).
    candidates = [
        line
        for line in grid.lines
        if line.category == category
        and line.residence in (residence, ANY_RESIDENCE)
        and line.sibling_rank <= rank
    ]
    if any(line.residence == residence for line in candidates):
        candidates = [line for line in candidates if line.residence == residence]
    if candidates:
        applied_rank = max(line.sibling_rank for line in candidates)
        candidates = [line for line in candidates if line.sibling_rank == applied_rank]
    if quotient is None:
        line = max(candidates, key=_bracket_floor, default=None)
    else:
        line = next((line for line in candidates if line.covers(quotient)), None)
    if line is None:
        raise NoTariffError(
            _("Aucun tarif ne correspond à ce bénéficiaire : la grille tarifaire est incomplète.")
        )
    label = _bracket_label(line.family_quotient_min, line.family_quotient_max)
    if quotient is None:
        label = _("QF non communiqué, tranche la plus haute (%(bracket)s)") % {"bracket": label}
    price = line.unit_price.quantize(CENT, rounding=ROUND_HALF_UP)
    short = _short_grid_reason(grid, line, residence, quotient, rank)
    explanation = _("Tarif %(category)s, %(residence)s, %(bracket)s, %(rank)s : %(price)s.") % {
        "category": _category_label(category),
        "residence": _residence_label(residence),
        "bracket": label,
        "rank": _rank_label(rank),
        "price": euros(price),
    }
    return PriceExplanation(price, label, rank, residence, explanation, short)


def _short_grid_reason(grid, line, residence, quotient, rank) -> str:
    """Only what the grid tells apart: the bracket when it has several, the residence and
    the sibling rank when its rows differ by them."""
    parts = []
    if quotient is None:
        parts.append(_("QF non communiqué"))
    elif line.family_quotient_min is not None or line.family_quotient_max is not None:
        parts.append(short_bracket_label(line.family_quotient_min, line.family_quotient_max))
    if residence == NON_RESIDENT and any(x.residence != ANY_RESIDENCE for x in grid.lines):
        parts.append(_residence_label(residence))
    if any(x.sibling_rank > 1 for x in grid.lines if x.category == line.category):
        parts.append(_rank_label(rank))
    return ", ".join(parts)


def short_bracket_label(low: Decimal | None, high: Decimal | None) -> str:
    """A family-quotient bracket in a few characters: "QF 600–800", "QF < 600", "QF ≥ 800"
    (the minimum included, the maximum excluded, as TariffLine.covers reads them)."""
    if low is None and high is None:
        return _("tous QF")
    if low is None:
        return _("QF < %(high)s") % {"high": _bare_quotient(high)}
    if high is None:
        return _("QF ≥ %(low)s") % {"low": _bare_quotient(low)}
    return _("QF %(low)s–%(high)s") % {"low": _bare_quotient(low), "high": _bare_quotient(high)}


def _bare_quotient(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return str(int(amount))
    return _french_number(amount)


def _effort_rate_price(grid, residence, quotient, rank) -> PriceExplanation:
    if grid.effort_rate is None:
        raise NoTariffError(_("Le taux d'effort de ce service n'est pas renseigné."))
    if quotient is None:
        if grid.ceiling is None:
            raise NoTariffError(
                _("Sans quotient familial, ce tarif au taux d'effort demande un plafond.")
            )
        price = grid.ceiling.quantize(CENT, rounding=ROUND_HALF_UP)
        label = _("QF non communiqué, plafond")
        explanation = _("Taux d'effort, QF non communiqué : plafond de %(price)s.") % {
            "price": euros(price)
        }
        return PriceExplanation(price, label, rank, residence, explanation, label)
    computed = quotient * grid.effort_rate / HUNDRED
    bounded = computed
    if grid.floor is not None and bounded < grid.floor:
        bounded = grid.floor
    if grid.ceiling is not None and bounded > grid.ceiling:
        bounded = grid.ceiling
    price = bounded.quantize(CENT, rounding=ROUND_HALF_UP)
    label = _("taux d'effort de %(rate)s %%") % {"rate": _french_number(grid.effort_rate)}
    explanation = _("Taux d'effort de %(rate)s %% × QF %(quotient)s") % {
        "rate": _french_number(grid.effort_rate),
        "quotient": euros(quotient),
    }
    if bounded == grid.floor and computed < bounded:
        explanation += _(", relevé au plancher")
    elif bounded == grid.ceiling and computed > bounded:
        explanation += _(", limité au plafond")
    explanation += _(" : %(price)s.") % {"price": euros(price)}
    short = _("%(rate)s %% × QF %(quotient)s") % {
        "rate": _french_number(grid.effort_rate),
        "quotient": _bare_quotient(quotient),
    }
    if bounded == grid.floor and computed < bounded:
        short += ", " + _("plancher")
    elif bounded == grid.ceiling and computed > bounded:
        short += ", " + _("plafond")
    return PriceExplanation(price, label, rank, residence, explanation, short)


def _bracket_floor(line: TariffLine) -> Decimal:
    low = line.family_quotient_min
    return Decimal("-Infinity") if low is None else low


def granted_bracket(tariff: TariffConfig | None, quotient: Decimal | None) -> str:
    """What an accepted access grants, in words, from the very grid pricing reads: the bracket
    the family quotient falls in, the effort rate's quotient, or the top bracket without one
    (DESIGN: no quotient on file → top bracket)."""
    if tariff is None:
        return _("Tarif du service (sans grille)")
    if tariff.mode == EFFORT_RATE:
        if quotient is None:
            return _("Taux d'effort, sans quotient : prix plafond")
        return _("Taux d'effort, QF %(quotient)s") % {"quotient": _quotient(quotient)}
    lines = [line for line in tariff.lines]
    if not lines:
        return _("Tarif du service (grille vide)")
    if quotient is None:
        top = max(lines, key=_bracket_floor)
        return _("%(bracket)s (sans quotient : tranche la plus haute)") % {
            "bracket": _bracket_label(top.family_quotient_min, top.family_quotient_max)
        }
    for line in sorted(lines, key=_bracket_floor):
        if line.covers(quotient):
            return _bracket_label(line.family_quotient_min, line.family_quotient_max)
    return _("QF %(quotient)s, hors des tranches de la grille") % {"quotient": _quotient(quotient)}


def bracket_label(low: Decimal | None, high: Decimal | None) -> str:
    """A family-quotient bracket in words, as the explanations say it (minimum included)."""
    return _bracket_label(low, high)


def _bracket_label(low: Decimal | None, high: Decimal | None) -> str:
    if low is None and high is None:
        return _("tous quotients familiaux")
    if low is None:
        return _("QF inférieur à %(high)s") % {"high": _quotient(high)}
    if high is None:
        return _("QF à partir de %(low)s") % {"low": _quotient(low)}
    return _("QF de %(low)s à moins de %(high)s") % {"low": _quotient(low), "high": _quotient(high)}


def _category_label(category: str) -> str:
    return {CHILD: _("enfant"), ADULT: _("adulte")}.get(category, category)


def _residence_label(residence: str) -> str:
    return {RESIDENT: _("résident"), NON_RESIDENT: _("hors commune")}.get(residence, residence)


def _rank_label(rank: int) -> str:
    if rank == 1:
        return _("1er enfant")
    if rank >= MAX_SIBLING_RANK:
        return _("3e enfant et suivants")
    return _("%(rank)se enfant") % {"rank": rank}


def _french_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def _quotient(amount: Decimal) -> str:
    # Bracket bounds are round figures: "500 €" reads better than "500,00 €".
    if amount == amount.to_integral_value():
        return f"{int(amount)} €"
    return euros(amount)


class Sibling(Protocol):
    id: int
    birth_date: date


def sibling_ranks(beneficiaries_booked_that_day: Iterable[Sibling]) -> dict[int, int]:
    """The sibling rank of each beneficiary, by id, for one service on one day.

    Rule: among the account's beneficiaries booked for that service on that day (the one being
    priced included), the oldest is rank 1, the next rank 2, every further one rank 3 ("3e
    enfant et suivants"); twins are ordered by id. Pass the children only: an adult eating at
    the canteen is nobody's sibling. A rank is computed when the meal is booked and frozen with
    its price: cancelling the eldest later does not re-price the others."""
    ordered = sorted(beneficiaries_booked_that_day, key=lambda b: (b.birth_date, b.id))
    return {b.id: min(position, MAX_SIBLING_RANK) for position, b in enumerate(ordered, start=1)}
