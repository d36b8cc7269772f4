"""The family's waiting-list setting, in "Mes e-mails": a freed seat booked and paid from the
wallet at once, or offered by e-mail. It sets the entries waiting now and is what the next ones
start with; another family's entries are left alone."""

import pytest
from django.test import Client

from reservations.models import WaitlistEntry, WaitlistStatus
from tests.booking_factories import MEAL_DAY, accept_access, make_booking, make_canteen
from tests.factories import ParentFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/espace/mes-emails/"
PREFERENCE = "/espace/mes-emails/liste-attente/"


@pytest.fixture
def full_day():
    service, meal, _calendar = make_canteen(capacity=1)
    make_booking(service=service, tariff_option=meal, day=MEAL_DAY)
    parent = ParentFactory()
    child = BeneficiaryFactory(account=parent, first_name="Léa")
    accept_access(parent, meal, [child])
    client = Client()
    client.force_login(parent)
    return service, parent, child, client


def join(client, service, child):
    return client.post(
        "/espace/liste-attente/",
        {
            "service": service.pk,
            "mois": "2030-03",
            "enfant": child.pk,
            "attente": f"{child.pk}:{MEAL_DAY}",
        },
    )


def test_the_settings_page_offers_both_choices_the_offer_by_e_mail_first_chosen(full_day):
    _service, _parent, _child, client = full_day

    page = client.get(SETTINGS).content.decode()

    assert 'action="/espace/mes-emails/liste-attente/"' in page
    assert 'value="0" id="attente-offre" checked' in page
    assert 'value="1" id="attente-auto">' in page


def test_choosing_auto_pay_sets_the_waiting_entries_and_the_next_ones(full_day):
    service, parent, child, client = full_day
    other = ParentFactory()
    theirs = WaitlistEntry.objects.create(
        account=other,
        beneficiary=BeneficiaryFactory(account=other),
        service=service,
        date=MEAL_DAY,
    )
    join(client, service, child)

    response = client.post(PREFERENCE, {"auto": "1"})

    assert response.status_code == 302 and response["Location"] == SETTINGS
    parent.refresh_from_db()
    assert parent.waitlist_auto_pay is True
    assert WaitlistEntry.objects.get(account=parent).auto_pay_from_wallet is True
    theirs.refresh_from_db()
    assert theirs.auto_pay_from_wallet is False
    assert 'value="1" id="attente-auto" checked' in client.get(SETTINGS).content.decode()


def test_a_day_joined_after_choosing_auto_pay_starts_with_it(full_day):
    service, parent, child, client = full_day
    client.post(PREFERENCE, {"auto": "1"})

    join(client, service, child)

    entry = WaitlistEntry.objects.get(account=parent)
    assert (entry.status, entry.auto_pay_from_wallet) == (WaitlistStatus.WAITING, True)


def test_choosing_the_offer_by_e_mail_turns_auto_pay_off_again(full_day):
    service, parent, child, client = full_day
    client.post(PREFERENCE, {"auto": "1"})
    join(client, service, child)

    client.post(PREFERENCE, {"auto": "0"})

    parent.refresh_from_db()
    assert parent.waitlist_auto_pay is False
    assert WaitlistEntry.objects.get(account=parent).auto_pay_from_wallet is False


def test_the_setting_is_only_posted(full_day):
    _service, _parent, _child, client = full_day

    assert client.get(PREFERENCE).status_code == 405
