"""When a service is open, until when a meal may be booked or cancelled, and what it costs.

The rules themselves are pure functions in reservations/rules.py; these models hold each
service's settings and reservations/calendars.py turns them into the rules' dataclasses."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .. import rules
from .beneficiaries import SchoolClass


class SchoolZone(models.TextChoices):
    A = "A", _("Zone A")
    B = "B", _("Zone B")
    C = "C", _("Zone C")


class DeadlineKind(models.TextChoices):
    DAYS_BEFORE = rules.DAYS_BEFORE, _("N jours avant, à HH:MM")
    WEEKDAY_OF_PREVIOUS_WEEK = (
        rules.WEEKDAY_OF_PREVIOUS_WEEK,
        _("Un jour de la semaine précédente, à HH:MM"),
    )
    DAY_OF_PREVIOUS_MONTH = rules.DAY_OF_PREVIOUS_MONTH, _("Un jour du mois précédent, à HH:MM")


def default_open_weekdays() -> list[int]:
    # Most French primary schools have no class on Wednesday.
    return [1, 2, 4, 5]


def default_deadline_params() -> dict:
    return {"days": 2, "working_days": True, "at": "10:00"}


DEADLINE_PARAMS_HELP = _(
    'Selon le type : {"days": 2, "working_days": true, "at": "10:00"} (J-2 ouvrés à 10:00) ; '
    '{"weekday": 2, "at": "23:59"} (mardi de la semaine précédente, 1 = lundi) ; '
    '{"day": 20, "at": "12:00"} (le 20 du mois précédent).'
)


class ServiceCalendar(models.Model):
    """A service's calendar: the weekdays it opens, whether it closes during the school holidays
    of its zone, an optional daily capacity, and its booking and cancellation deadline rules.
    Wall times are read in Europe/Paris."""

    TIME_ZONE = "Europe/Paris"

    service = models.OneToOneField(
        "catalogue.Product",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="calendar",
        limit_choices_to={"structure": "parent"},
    )
    open_weekdays = models.JSONField(
        _("jours d'ouverture"),
        default=default_open_weekdays,
        help_text=_(
            "Numéros des jours ouverts, 1 = lundi … 7 = dimanche, par exemple [1, 2, 4, 5]."
        ),
    )
    school_zone = models.CharField(
        _("zone de vacances scolaires"), max_length=1, choices=SchoolZone.choices, default="A"
    )
    closed_during_school_holidays = models.BooleanField(
        _("fermé pendant les vacances scolaires"),
        default=True,
        help_text=_("Oui pour une cantine ou une garderie, non pour un accueil de loisirs."),
    )
    daily_capacity = models.PositiveIntegerField(
        _("places par jour"), null=True, blank=True, help_text=_("Vide : sans limite.")
    )
    booking_rule_kind = models.CharField(
        _("date limite de réservation"),
        max_length=30,
        choices=DeadlineKind.choices,
        default=DeadlineKind.DAYS_BEFORE,
    )
    booking_rule_params = models.JSONField(
        _("paramètres de la date limite de réservation"),
        default=default_deadline_params,
        help_text=DEADLINE_PARAMS_HELP,
    )
    cancellation_rule_kind = models.CharField(
        _("date limite d'annulation"),
        max_length=30,
        choices=DeadlineKind.choices,
        default=DeadlineKind.DAYS_BEFORE,
    )
    cancellation_rule_params = models.JSONField(
        _("paramètres de la date limite d'annulation"),
        default=default_deadline_params,
        help_text=DEADLINE_PARAMS_HELP,
    )

    class Meta:
        verbose_name = _("calendrier d'un service")
        verbose_name_plural = _("calendriers des services")
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_capacity__isnull=True) | Q(daily_capacity__gt=0),
                name="calendar_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(booking_rule_kind__in=DeadlineKind.values)
                & Q(cancellation_rule_kind__in=DeadlineKind.values),
                name="calendar_deadline_kinds_known",
            ),
            models.CheckConstraint(
                condition=Q(school_zone__in=SchoolZone.values), name="calendar_school_zone_known"
            ),
        ]

    def __str__(self):
        return str(self.service)

    def clean(self):
        errors = {}
        weekdays = self.open_weekdays
        if (
            not isinstance(weekdays, list)
            or not weekdays
            or any(isinstance(d, bool) or d not in range(1, 8) for d in weekdays)
            or len(set(weekdays)) != len(weekdays)
        ):
            errors["open_weekdays"] = _(
                "Indiquez une liste de jours distincts, de 1 (lundi) à 7 (dimanche)."
            )
        for field in ("booking_rule", "cancellation_rule"):
            try:
                getattr(self, field)
            except ValidationError as error:
                errors[f"{field}_params"] = error.messages
        if errors:
            raise ValidationError(errors)

    @property
    def booking_rule(self) -> rules.DeadlineRule:
        return rules.deadline_rule(self.booking_rule_kind, self.booking_rule_params)

    @property
    def cancellation_rule(self) -> rules.DeadlineRule:
        return rules.deadline_rule(self.cancellation_rule_kind, self.cancellation_rule_params)


class OpeningPeriod(models.Model):
    """Dates between which a service opens, both included (usually a school year)."""

    calendar = models.ForeignKey(
        ServiceCalendar,
        verbose_name=_("calendrier"),
        on_delete=models.CASCADE,
        related_name="opening_periods",
    )
    start = models.DateField(_("du"))
    end = models.DateField(_("au"))
    label = models.CharField(
        _("libellé"),
        max_length=100,
        blank=True,
        help_text=_("Par exemple « Année scolaire 2026–2027 »."),
    )

    class Meta:
        verbose_name = _("période d'ouverture")
        verbose_name_plural = _("périodes d'ouverture")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="opening_period_ends_after_start"
            )
        ]

    def __str__(self):
        return self.label or f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


class Closure(models.Model):
    """An exceptional closure decided by the commune (strike, school trip), from `date` to
    `end_date` included: of the whole service, or only of a school class or group (then the day
    stays open for the other children)."""

    calendar = models.ForeignKey(
        ServiceCalendar,
        verbose_name=_("calendrier"),
        on_delete=models.CASCADE,
        related_name="closures",
    )
    date = models.DateField(_("date"))
    end_date = models.DateField(_("jusqu'au"))
    school_class = models.CharField(
        _("classe"),
        max_length=10,
        choices=SchoolClass.choices,
        blank=True,
        help_text=_("Vide : toutes les classes."),
    )
    group = models.CharField(
        _("groupe"), max_length=100, blank=True, help_text=_("Vide : tous les groupes.")
    )
    reason = models.CharField(_("motif"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    class Meta:
        verbose_name = _("fermeture exceptionnelle")
        verbose_name_plural = _("fermetures exceptionnelles")
        ordering = ["date", "pk"]
        constraints = [
            # Overlapping ranges are refused by reservations/closures.py under the day locks.
            models.UniqueConstraint(
                fields=["calendar", "date", "school_class", "group"], name="one_closure_per_day"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("date")), name="closure_ends_after_start"
            ),
        ]

    def __str__(self):
        days = (
            f"{self.date:%d/%m/%Y}"
            if self.end_date == self.date
            else f"{self.date:%d/%m/%Y} – {self.end_date:%d/%m/%Y}"
        )
        return f"{days} — {self.reason}"

    def save(self, *args, **kwargs):
        # A closure of one day is given its date only (the admin, the tests).
        if self.end_date is None:
            self.end_date = self.date
        super().save(*args, **kwargs)

    @property
    def whole_service(self) -> bool:
        return not self.school_class and not self.group


class SchoolHoliday(models.Model):
    """School holidays of a zone, first and last days without school included. Loaded from
    reservations/data/school_holidays.json; agents correct or extend them in the admin."""

    zone = models.CharField(_("zone"), max_length=1, choices=SchoolZone.choices)
    name = models.CharField(_("nom"), max_length=100)
    start = models.DateField(_("du"))
    end = models.DateField(_("au"))

    class Meta:
        verbose_name = _("vacances scolaires")
        verbose_name_plural = _("vacances scolaires")
        ordering = ["zone", "start"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "start"], name="one_school_holiday_per_start"),
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="school_holiday_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(zone__in=SchoolZone.values), name="school_holiday_zone_known"
            ),
        ]

    def __str__(self):
        return f"{self.name} (zone {self.zone}, {self.start:%d/%m/%Y} – {self.end:%d/%m/%Y})"

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class TariffMode(models.TextChoices):
    GRID = rules.GRID, _("Grille (quotient familial, rang, résidence)")
    EFFORT_RATE = rules.EFFORT_RATE, _("Taux d'effort (pourcentage du quotient familial)")


class TariffCategory(models.TextChoices):
    CHILD = rules.CHILD, _("Enfant")
    ADULT = rules.ADULT, _("Adulte")


class Residence(models.TextChoices):
    RESIDENT = rules.RESIDENT, _("Résident de la commune")
    NON_RESIDENT = rules.NON_RESIDENT, _("Hors commune")
    ANY = rules.ANY_RESIDENCE, _("Résident ou non")


class SiblingRank(models.IntegerChoices):
    FIRST = 1, _("1er enfant")
    SECOND = 2, _("2e enfant")
    THIRD_AND_MORE = 3, _("3e enfant et suivants")


class TariffGrid(models.Model):
    """A service's tariff: rows by category, residence, family-quotient bracket and sibling rank,
    or an effort rate (a percentage of the family quotient) between a floor and a ceiling."""

    service = models.OneToOneField(
        "catalogue.Product",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="tariff_grid",
        limit_choices_to={"structure": "parent"},
    )
    mode = models.CharField(
        _("mode"), max_length=20, choices=TariffMode.choices, default=TariffMode.GRID
    )
    effort_rate = models.DecimalField(
        _("taux d'effort (%)"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    floor = models.DecimalField(
        _("prix plancher"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    ceiling = models.DecimalField(
        _("prix plafond"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    # What each attendance state costs, in percent of the day's price (attendance_pricing.py).
    present_percent = models.DecimalField(
        _("présence réservée (% du prix)"), max_digits=5, decimal_places=2, default=Decimal(100)
    )
    absent_percent = models.DecimalField(
        _("absence non justifiée (% du prix)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
    )
    absent_justified_percent = models.DecimalField(
        _("absence justifiée (% du prix)"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    present_unbooked_percent = models.DecimalField(
        _("présence sans réservation (% du prix)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(150),
    )

    class Meta:
        verbose_name = _("grille tarifaire")
        verbose_name_plural = _("grilles tarifaires")
        constraints = [
            models.CheckConstraint(
                # A NULL rate would pass a bare `effort_rate > 0`: SQL checks let unknown through.
                condition=~Q(mode=TariffMode.EFFORT_RATE)
                | Q(effort_rate__isnull=False, effort_rate__gt=0),
                name="effort_rate_mode_has_a_rate",
            ),
            models.CheckConstraint(
                condition=Q(effort_rate__isnull=True) | Q(effort_rate__gt=0),
                name="effort_rate_positive",
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(floor__gte=0), name="tariff_floor_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True)
                | Q(ceiling__isnull=True)
                | Q(ceiling__gte=F("floor")),
                name="tariff_ceiling_above_floor",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=TariffMode.values), name="tariff_mode_known"
            ),
            models.CheckConstraint(
                condition=Q(present_percent__gte=0)
                & Q(absent_percent__gte=0)
                & Q(absent_justified_percent__gte=0)
                & Q(present_unbooked_percent__gte=0),
                name="attendance_percents_not_negative",
            ),
        ]

    def __str__(self):
        return str(self.service)


# The bracket minimum an open-ended row is indexed under: no family quotient is negative.
NO_QUOTIENT_MIN = Decimal("-1")
DUPLICATE_TARIFF_ROW = _(
    "Cette grille a déjà une ligne pour cette catégorie, cette résidence, ce rang dans la "
    "fratrie et ce QF de départ : modifiez cette ligne-là plutôt que d'en ajouter une."
)


class TariffRow(models.Model):
    """One price of a grid. The bracket runs from its minimum family quotient included to its
    maximum excluded, so that brackets 0–500 and 500–800 leave no gap; empty is open-ended."""

    grid = models.ForeignKey(
        TariffGrid, verbose_name=_("grille"), on_delete=models.CASCADE, related_name="rows"
    )
    category = models.CharField(_("catégorie"), max_length=10, choices=TariffCategory.choices)
    residence = models.CharField(
        _("résidence"), max_length=20, choices=Residence.choices, default=Residence.ANY
    )
    family_quotient_min = models.DecimalField(
        _("QF à partir de"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    family_quotient_max = models.DecimalField(
        _("QF inférieur à"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    sibling_rank = models.PositiveSmallIntegerField(
        _("rang dans la fratrie"), choices=SiblingRank.choices, default=SiblingRank.FIRST
    )
    unit_price = models.DecimalField(_("prix unitaire"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("ligne de grille tarifaire")
        verbose_name_plural = _("lignes de grille tarifaire")
        ordering = ["category", "residence", "sibling_rank", "family_quotient_min", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="tariff_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(family_quotient_min__isnull=True)
                | Q(family_quotient_max__isnull=True)
                | Q(family_quotient_max__gt=F("family_quotient_min")),
                name="tariff_bracket_min_below_max",
            ),
            models.CheckConstraint(
                condition=Q(family_quotient_min__isnull=True) | Q(family_quotient_min__gte=0),
                name="tariff_bracket_min_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(sibling_rank__gte=1) & Q(sibling_rank__lte=3),
                name="tariff_sibling_rank_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(category__in=TariffCategory.values) & Q(residence__in=Residence.values),
                name="tariff_category_and_residence_known",
            ),
            # Two rows starting at the same quotient would make the bracket ambiguous, and two
            # open-ended rows (no minimum) as much. An index on the minimum with "none" as -1
            # (below any quotient): SQLite, the embedded default, has no NULLS NOT DISTINCT.
            models.UniqueConstraint(
                F("grid"),
                F("category"),
                F("residence"),
                F("sibling_rank"),
                Coalesce(
                    "family_quotient_min",
                    Value(NO_QUOTIENT_MIN),
                    output_field=models.DecimalField(max_digits=10, decimal_places=2),
                ),
                name="one_tariff_row_per_bracket",
                violation_error_message=DUPLICATE_TARIFF_ROW,
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} — {self.unit_price} €"
