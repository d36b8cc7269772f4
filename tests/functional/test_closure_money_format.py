"""The account closure's refusal writes the wallet's balance as the page's language writes money:
"5,00 €" in French, "€5.00" in English (never "5,00 €" on an English page)."""

import pytest
from django.utils import translation

from accounts.closure import closure_refusals
from tests.booking_factories import top_up
from tests.factories import ParentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "amount"), [("fr", "5,00\u00a0€"), ("en", "€5.00")])
def test_the_balance_left_is_written_in_the_readers_money_format(language, amount):
    parent = ParentFactory()
    top_up(parent, "5.00")

    with translation.override(language):
        reasons = closure_refusals(parent)

    assert any(amount in reason for reason in reasons), reasons
