"""Pure rules of the reservations domain: no ORM, inputs passed in."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
