"""Each child's calendar feed: a private address, no login, that lists the child's confirmed
bookings as all-day events (parsed back here with icalendar), revocable by the parent (the old
address then answers 404), and never another child's or another family's."""

import datetime
import re

import pytest
from django.test import Client
from icalendar import Calendar

from accounts.models import CalendarFeed
from reservations.models import BookingStatus
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, make_booking, make_canteen
from tests.factories import ParentFactory, PartnerFactory, PendingParentFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def canteen():
    service, meal, _calendar = make_canteen(PartnerFactory(name="Rosières"))
    return service, meal


@pytest.fixture
def family(canteen):
    service, meal = canteen
    parent = ParentFactory()
    lea = BeneficiaryFactory(account=parent, first_name="Léa")
    tom = BeneficiaryFactory(account=parent, first_name="Tom")
    for day in (MEAL_DAY, OTHER_MEAL_DAY):
        make_booking(lea, service=service, tariff_option=meal, day=day)
    make_booking(
        lea,
        service=service,
        tariff_option=meal,
        day=datetime.date(2030, 3, 15),
        status=BookingStatus.CANCELLED,
    )
    make_booking(
        lea,
        service=service,
        tariff_option=meal,
        day=datetime.date(2030, 3, 18),
        status=BookingStatus.PENDING_PAYMENT,
    )
    make_booking(tom, service=service, tariff_option=meal, day=datetime.date(2030, 3, 19))
    return {"parent": parent, "lea": lea, "tom": tom}


def page_url(beneficiary):
    return f"/espace/filiations/{beneficiary.pk}/agenda/"


def regenerate_url(beneficiary):
    return f"/espace/filiations/{beneficiary.pk}/agenda/nouvelle-adresse/"


def logged_in(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def feed_path(client, beneficiary) -> str:
    """The feed's address as the parent's page shows it (the read-only field)."""
    page = client.get(page_url(beneficiary)).content.decode()
    url = re.search(r'id="feed-url" type="url" readonly value="([^"]+)"', page).group(1)
    return url.removeprefix("http://testserver")


def events_of(response) -> list:
    calendar = Calendar.from_ical(response.content)
    return [component for component in calendar.walk("VEVENT")]


def test_the_feed_lists_the_childs_confirmed_bookings_as_all_day_events(family):
    path = feed_path(logged_in(family["parent"]), family["lea"])

    response = Client().get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Referrer-Policy"] == "no-referrer"
    events = events_of(response)
    assert [event.decoded("dtstart") for event in events] == [MEAL_DAY, OTHER_MEAL_DAY]
    for event in events:
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert type(start) is datetime.date and end == start + datetime.timedelta(days=1)
        assert str(event["summary"]) == f"Cantine de Rosières — {family['lea']}"
        assert str(event["location"]) == "Rosières"
    assert len({str(event["uid"]) for event in events}) == 2
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]).startswith("Léa")


def test_each_child_has_its_own_address_and_sees_only_its_bookings(family):
    client = logged_in(family["parent"])
    lea, tom = feed_path(client, family["lea"]), feed_path(client, family["tom"])

    assert lea != tom
    assert [e.decoded("dtstart") for e in events_of(Client().get(tom))] == [
        datetime.date(2030, 3, 19)
    ]


def test_a_new_address_makes_the_old_one_answer_404(family):
    client = logged_in(family["parent"])
    old = feed_path(client, family["lea"])

    response = client.post(regenerate_url(family["lea"]))

    assert response.status_code == 302
    new = feed_path(client, family["lea"])
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_an_unknown_or_forged_token_is_a_404(family):
    assert Client().get("/calendrier/not-a-token.ics").status_code == 404
    assert Client().get("/calendrier/.ics").status_code == 404


def test_another_familys_child_page_and_regeneration_are_404(family, canteen):
    stranger = ParentFactory()
    client = logged_in(stranger)

    assert client.get(page_url(family["lea"])).status_code == 404
    assert client.post(regenerate_url(family["lea"])).status_code == 404
    assert not CalendarFeed.objects.filter(beneficiary=family["lea"]).exists()


def test_another_familys_bookings_never_appear_in_a_feed(family, canteen):
    service, meal = canteen
    other_child = BeneficiaryFactory(first_name="Zoé")
    make_booking(other_child, service=service, tariff_option=meal, day=MEAL_DAY)

    events = events_of(Client().get(feed_path(logged_in(family["parent"]), family["lea"])))

    assert all("Zoé" not in str(event["summary"]) for event in events)
    assert len(events) == 2


def test_an_archived_child_has_no_feed_any_more(family):
    path = feed_path(logged_in(family["parent"]), family["lea"])
    family["lea"].archived_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    family["lea"].save()

    assert Client().get(path).status_code == 404


def test_the_page_shows_the_address_a_copy_button_and_a_new_address_form(family):
    response = logged_in(family["parent"]).get(page_url(family["lea"]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "webcal://testserver/calendrier/" in page
    # The copy button is made by the page's script: without JavaScript, no button that does
    # nothing, and the address is there to copy by hand (a field and a link).
    assert re.search(r'data-copy="feed-url" data-label="Copier l(&#x27;|\')adresse"', page)
    assert "<button" not in page.split('id="adresse-agenda"')[1].split("</section>")[0]
    assert 'href="http://testserver/calendrier/' in page
    assert "Générer une nouvelle adresse" in page


def test_an_account_awaiting_validation_has_no_feed_page(family):
    pending = PendingParentFactory()
    child = BeneficiaryFactory(account=pending)

    assert logged_in(pending).get(page_url(child)).status_code == 302


@pytest.mark.parametrize("meals", [3, 40])
def test_the_feed_reads_two_queries_whatever_the_number_of_bookings(
    meals, canteen, django_assert_num_queries
):
    service, meal = canteen
    child = BeneficiaryFactory()
    for n in range(meals):
        make_booking(
            child, service=service, tariff_option=meal, day=MEAL_DAY + datetime.timedelta(days=n)
        )
    feed = CalendarFeed.objects.create(beneficiary=child)
    client = Client()

    with django_assert_num_queries(2):
        response = client.get(f"/calendrier/{feed.token}.ics")

    assert len(events_of(response)) == meals


# --- The API ----------------------------------------------------------------------------------

FEEDS = "/api/accounts/me/calendar-feeds/"


def test_the_api_lists_each_current_childs_feed_address(family):
    archived = BeneficiaryFactory(account=family["parent"], first_name="Ancien")
    archived.archived_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    archived.save()

    response = logged_in(family["parent"]).get(FEEDS)

    assert response.status_code == 200
    by_name = {feed["name"]: feed for feed in response.json()}
    assert set(by_name) == {"Léa", "Tom"}
    lea = by_name["Léa"]
    assert lea["beneficiary"] == family["lea"].pk
    assert lea["webcal_url"] == lea["url"].replace("http://", "webcal://")
    path = lea["url"].removeprefix("http://testserver")
    assert len(events_of(Client().get(path))) == 2


def test_the_api_renews_a_childs_address_and_the_old_one_answers_404(family):
    client = logged_in(family["parent"])
    old = client.get(FEEDS).json()[0]

    response = client.post(f"{FEEDS}{old['beneficiary']}/renew/")

    assert response.status_code == 200
    assert response.json()["url"] != old["url"]
    assert Client().get(old["url"].removeprefix("http://testserver")).status_code == 404
    assert client.get(FEEDS).json()[0]["url"] == response.json()["url"]


def test_the_api_never_renews_another_familys_child(family):
    response = logged_in(ParentFactory()).post(f"{FEEDS}{family['lea'].pk}/renew/")

    assert response.status_code == 404
    assert not CalendarFeed.objects.filter(beneficiary=family["lea"]).exists()


def test_the_feeds_api_is_for_validated_accounts_only(family):
    assert Client().get(FEEDS).status_code in (401, 403)
    assert logged_in(PendingParentFactory()).get(FEEDS).status_code == 403


@pytest.mark.parametrize("children", [1, 6])
def test_listing_the_feeds_reads_the_same_queries_for_one_child_or_six(
    children, django_assert_max_num_queries
):
    parent = ParentFactory()
    for _ in range(children):
        BeneficiaryFactory(account=parent)
    client = logged_in(parent)

    # Session and account (2), the children, the feeds, their creation and reading back (4).
    with django_assert_max_num_queries(7):
        response = client.get(FEEDS)

    assert len(response.json()) == children
