"""Réserver sur une période (/espace/reserver/periode/): the form with its defaults, the preview
(what will be added, what is refused and why), "Ajouter au panier" all or nothing, and
"Ajouter et payer avec le porte-monnaie" in one step. Plain forms, through Django's client."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from oscar.core.loading import get_model

from reservations.models import Booking, BookingStatus
from reservations.rules import PARIS
from tests.booking_factories import make_booking, top_up
from tests.factories import ParentFactory
from tests.planning_factories import NOW, make_canteen, make_family
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

Line = get_model("basket", "Line")

RECURRING = reverse("portail:recurring")
ADD = reverse("portail:recurring_add")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def family(canteen, client):
    _service, children, _adults = canteen
    family = make_family(children)
    client.force_login(family.parent)
    return family


def query(service, family, **extra):
    params = {
        "service": service.pk,
        "enfant": [child.pk for child in family.children],
        "jour": [1, 2, 4],
        "frequence": "every_week",
        "du": "2026-11-02",
        "au": "2026-12-18",
    }
    return {**params, **extra}


def accept(client, response, **extra):
    """Post the preview's add form as the browser would: its hidden fields and a button."""
    context = response.context
    data = {
        "service": context["accept_form"]["service"].value(),
        "total": context["accept_form"]["total"].value(),
        "apercu": context["accept_form"]["apercu"].value(),
        "repas": context["meal_values"],
        **extra,
    }
    return client.post(ADD, data)


def test_the_form_opens_with_the_children_the_open_days_and_the_end_of_the_term(
    clock, client, canteen, family
):
    response = client.get(RECURRING)

    assert response.status_code == 200
    form = response.context["form"]
    assert form["enfant"].value() == [child.pk for child in family.children]
    assert form["jour"].value() == [1, 2, 4, 5]  # the canteen's days, Wednesday left out
    assert str(form["au"].value()) == "2026-12-18"
    html = response.content.decode()
    assert "<legend>Jours de la semaine</legend>" in html
    assert 'for="id_jour_0">Lundi</label>' in html
    assert "Mercredi" not in html
    assert "vendredi 2 juillet 2027" in html  # the latest end, the school year's
    assert 'aria-describedby="id_au_help"' in html


def test_the_booking_page_links_to_the_period_form(clock, client, canteen, family):
    service, _children, _adults = canteen
    response = client.get(reverse("portail:planning"))
    assert f'href="{RECURRING}?service={service.pk}"' in response.content.decode()


def test_the_preview_lists_what_will_be_added_and_what_is_refused_and_why(
    clock, client, canteen, family
):
    service, _children, _adults = canteen

    response = client.get(RECURRING, query(service, family))

    assert response.status_code == 200
    html = response.content.decode()
    assert "38 repas à ajouter (Cantine de Rosières) : 117,80" in html
    assert "4 repas ne peuvent pas être réservés" in html
    assert "La date limite de réservation était le 29/10 à 10:00." in html
    assert "Ajouter au panier" in html
    assert "avec le porte-monnaie" not in html  # an empty wallet: no one-step payment
    assert not Line.objects.exists()


def test_adding_the_preview_puts_its_meals_in_the_basket(clock, client, canteen, family):
    service, _children, _adults = canteen
    preview = client.get(RECURRING, query(service, family))

    response = accept(client, preview)

    assert response.status_code == 302
    assert response["Location"] == reverse("portail:basket")
    assert Line.objects.filter(basket__owner=family.parent).count() == 38


def test_adding_and_paying_from_the_wallet_books_the_meals_at_once(clock, client, canteen, family):
    service, _children, _adults = canteen
    top_up(family.parent, "200.00")
    preview = client.get(RECURRING, query(service, family))
    assert "Ajouter et payer 117,80" in preview.content.decode()

    response = accept(client, preview, payer="1")

    assert response.status_code == 302
    assert "/confirmation/" in response["Location"]
    booked = Booking.objects.filter(account=family.parent, status=BookingStatus.CONFIRMED)
    assert booked.count() == 38


def test_a_day_that_is_no_longer_bookable_adds_nothing_and_shows_the_preview_again(
    canteen, family, client
):
    service, _children, _adults = canteen
    with time_machine.travel(datetime(2026, 11, 3, 9, 50, tzinfo=PARIS), tick=False):
        preview = client.get(RECURRING, query(service, family))
    # Thursday 5 November's deadline (Tuesday 3rd, 10:00) passes before the parent accepts.
    with time_machine.travel(datetime(2026, 11, 3, 10, 5, tzinfo=PARIS), tick=False):
        response = accept(client, preview)
        assert response.status_code == 302
        assert response["Location"].startswith(RECURRING + "?")
        again = client.get(response["Location"])
    assert not Line.objects.exists()
    html = again.content.decode()
    assert "rien n&#x27;a été ajouté" in html or "rien n'a été ajouté" in html
    assert "La date limite de réservation était le 03/11 à 10:00." in html


def test_another_familys_child_is_not_found(clock, client, canteen, family):
    service, _children, _adults = canteen
    stranger = BeneficiaryFactory(account=ParentFactory())
    response = client.get(
        RECURRING, query(service, family, enfant=[family.children[0].pk, stranger.pk])
    )
    # Not one of the family's children: not a choice of the form.
    assert response.status_code == 400
    assert not Line.objects.exists()

    preview = client.get(RECURRING, query(service, family))
    response = accept(client, preview, repas=[f"{stranger.pk}:2026-11-05"])
    assert response.status_code == 404
    assert not Line.objects.exists()


def test_a_period_past_the_school_year_is_refused_next_to_the_until_field(
    clock, client, canteen, family
):
    service, _children, _adults = canteen
    response = client.get(RECURRING, query(service, family, au="2027-07-09"))
    assert response.status_code == 400
    assert "au plus jusqu&#x27;à la fin de l&#x27;année scolaire" in response.content.decode()
    assert response.context["form"].errors["au"]


def test_no_weekday_ticked_is_refused(clock, client, canteen, family):
    service, _children, _adults = canteen
    response = client.get(RECURRING, query(service, family, jour=[]))
    assert response.status_code == 400
    assert response.context["form"].errors["jour"] == ["Cochez au moins un jour de la semaine."]


def test_a_family_without_any_service_is_told_where_to_ask(clock, client):
    client.force_login(ParentFactory())
    response = client.get(RECURRING)
    assert response.status_code == 200
    assert "Mes services" in response.content.decode()


@pytest.mark.parametrize(("end", "days"), [("2026-11-12", 5), ("2027-02-12", 50)])
def test_the_preview_page_takes_as_many_queries_for_5_days_as_for_50(
    clock, client, canteen, family, end, days, django_assert_max_num_queries
):
    service, _children, _adults = canteen
    params = query(service, family, jour=[1, 2, 4, 5], du="2026-11-05", au=end)
    with django_assert_max_num_queries(45):
        response = client.get(RECURRING, params)
    assert len(response.context["preview"].bookable) == days * 2


def test_the_preview_says_each_childs_pattern_in_words(clock, client, canteen, family):
    service, _children, _adults = canteen
    response = client.get(RECURRING, query(service, family, frequence="odd_weeks"))
    html = response.content.decode()
    for child in family.children:
        assert f"<li>{child} : lundi, mardi, jeudi (les semaines impaires)</li>" in html


def test_repeat_last_week_from_the_form_previews_the_coming_week(client, canteen, family):
    service, children, _adults = canteen
    eldest, _youngest = family.children
    make_booking(eldest, service=service, tariff_option=children, day=datetime(2026, 11, 5).date())
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=PARIS), tick=False):
        client.force_login(family.parent)
        response = client.get(
            RECURRING, {"service": service.pk, "enfant": [eldest.pk], "repeter": "week"}
        )
        nothing = client.get(
            RECURRING, {"service": service.pk, "enfant": [eldest.pk], "repeter": "month"}
        )
    assert response.status_code == 200
    assert [(m.beneficiary_id, str(m.date)) for m in response.context["preview"].bookable] == [
        (eldest.pk, "2026-11-19")
    ]
    # Nothing booked in October: said on the form.
    assert nothing.status_code == 400
    assert "rien à répéter" in nothing.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"service": "abc", "enfant": "x"},
        {"jour": ["9", "lundi"]},
        {"du": "9999-01-01", "au": "bad"},
        {"du": "2000-01-01", "au": "2099-12-31"},
        {"repeter": "year"},
        {"frequence": "monthly"},
    ],
)
def test_odd_input_on_the_form_is_a_400_never_a_server_error(
    clock, client, canteen, family, params
):
    service, _children, _adults = canteen
    response = client.get(RECURRING, {**query(service, family), **params})
    assert response.status_code in (200, 400)


def test_a_forged_acceptance_is_refused_without_a_server_error(clock, client, canteen, family):
    response = client.post(ADD, {"service": "x", "repas": ["1:bad"], "total": "NaN"})
    assert response.status_code == 302
    assert response["Location"] == RECURRING
    assert not Line.objects.exists()


@pytest.mark.parametrize(("end", "days"), [("2026-11-12", 5), ("2027-02-12", 50)])
def test_adding_and_paying_takes_as_many_queries_for_5_days_as_for_50(
    clock, client, canteen, family, end, days, django_assert_max_num_queries
):
    service, _children, _adults = canteen
    top_up(family.parent, "500.00")
    params = query(service, family, jour=[1, 2, 4, 5], du="2026-11-05", au=end)
    preview = client.get(RECURRING, params)
    with django_assert_max_num_queries(70):
        response = accept(client, preview, payer="1")
    assert "/confirmation/" in response["Location"]
    assert Booking.objects.filter(account=family.parent).count() == days * 2
