"""Exceptional closures in the agents' dashboard: the agent previews what a closure cancels,
then confirms it; closing cancels the paid meals, refunds each to the service's pot and e-mails
each family once; deleting a closure re-opens the day."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservations import closures
from reservations.calendars import calendar_window
from reservations.closures import ClosureRequest, close_day, preview_closure
from reservations.closures import close as close_as_previewed
from reservations.models import Booking, BookingStatus, Closure
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import service_pot
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

CLOSURES = "/dashboard/familles/fermetures/"
CONFIRM = "/dashboard/familles/fermetures/confirmer/"


def delete_url(closure):
    return f"{CLOSURES}{closure.pk}/supprimer/"


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


@pytest.fixture
def bains_canteen():
    return make_canteen(PartnerFactory(name="Bains"), title="Cantine de Bains")


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def family():
    parent = ParentFactory(first_name="Claire", last_name="Martin")
    return (
        parent,
        BeneficiaryFactory(account=parent, first_name="Léa"),
        BeneficiaryFactory(account=parent, first_name="Tom"),
    )


def book(beneficiary, canteen, **fields):
    service, meal, _ = canteen
    return make_booking(beneficiary, service=service, tariff_option=meal, **fields)


def preview(client, service, day=MEAL_DAY, reason="Grève", **fields):
    """The preview step: the closure form posted, nothing changed yet."""
    data = {"service": service.pk, "date": day.isoformat(), "reason": reason, **fields}
    return client.post(CLOSURES, data)


def confirm(client, previewed):
    """The confirmation step: the preview's hidden form posted as the browser would."""
    form = previewed.context["form"]
    return client.post(CONFIRM, {name: form.data.get(name, "") for name in form.fields})


def close(client, service, day=MEAL_DAY, reason="Grève", **fields):
    previewed = preview(client, service, day, reason, **fields)
    assert previewed.status_code == 200 and "preview" in previewed.context, previewed
    return confirm(client, previewed)


def refresh(*bookings):
    for booking in bookings:
        booking.refresh_from_db()
    return [booking.status for booking in bookings]


def test_closing_a_day_cancels_and_refunds_its_meals_and_emails_each_family_once(
    agent_client, agent, canteen, family, django_capture_on_commit_callbacks
):
    service = canteen[0]
    parent, lea, tom = family
    other_parent = ParentFactory()
    lea_meal, tom_meal = book(lea, canteen), book(tom, canteen)
    other_meal = book(BeneficiaryFactory(account=other_parent), canteen, price="1.00")
    next_day = book(lea, canteen, day=OTHER_MEAL_DAY)

    with django_capture_on_commit_callbacks(execute=True):
        response = close(agent_client, service)

    assert response.status_code == 302
    assert response["Location"] == CLOSURES
    closure = Closure.objects.get()
    assert (closure.calendar, closure.date, closure.reason) == (canteen[2], MEAL_DAY, "Grève")
    assert closure.created_by == agent
    assert refresh(lea_meal, tom_meal, other_meal, next_day) == [
        BookingStatus.CANCELLED,
        BookingStatus.CANCELLED,
        BookingStatus.CANCELLED,
        BookingStatus.CONFIRMED,
    ]
    assert (lea_meal.cancelled_by, lea_meal.cancelled_by_role) == (agent, "agent")
    assert lea_meal.cancellation_reason == "Fermeture exceptionnelle : Grève"
    assert service_pot(parent, service) == Decimal("6.60")
    assert service_pot(other_parent, service) == Decimal("1.00")
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [parent.email, other_parent.email]
    )
    body = next(m.body for m in mail.outbox if m.to == [parent.email])
    assert "12/03/2030" in body and "Grève" in body
    assert "Léa" in body and "Tom" in body and "6,60 €" in body


def test_a_meal_awaiting_payment_is_left_to_its_payment_and_the_agent_is_warned(
    agent_client, canteen, family, django_capture_on_commit_callbacks
):
    pending = book(family[1], canteen, status=BookingStatus.PENDING_PAYMENT)

    with django_capture_on_commit_callbacks(execute=True):
        response = close(agent_client, canteen[0])

    assert response.status_code == 302
    assert refresh(pending) == [BookingStatus.PENDING_PAYMENT]
    assert mail.outbox == []
    page = agent_client.get(response["Location"]).content.decode()
    assert "attendent encore leur paiement" in page


def test_a_second_closure_of_the_same_day_is_a_form_error_and_changes_nothing(
    agent_client, agent, canteen, family, django_capture_on_commit_callbacks
):
    close_day(canteen[0], MEAL_DAY, "Grève", by=agent)
    # Booked since (an agent may book on a closed day later): it must stay untouched.
    meal = book(family[1], canteen)

    with django_capture_on_commit_callbacks(execute=True):
        response = preview(agent_client, canteen[0], reason="Sortie scolaire")

    assert response.status_code == 200
    assert "déjà fermé le 12/03/2030" in response.context["form"].errors["date"][0]
    assert Closure.objects.get().reason == "Grève"
    assert refresh(meal) == [BookingStatus.CONFIRMED]
    assert mail.outbox == []


def test_close_day_refuses_a_day_already_closed(agent, canteen):
    close_day(canteen[0], MEAL_DAY, "Grève", by=agent)

    with pytest.raises(ValidationError):
        close_day(canteen[0], MEAL_DAY, "Encore", by=agent)
    assert Closure.objects.count() == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({"reason": ""}, "reason"),
        ({"date": "2020-01-06"}, "date"),
        ({"date": "pas une date"}, "date"),
    ],
)
def test_an_invalid_closure_is_a_form_error_and_changes_nothing(
    agent_client, canteen, family, data, field
):
    meal = book(family[1], canteen)
    post = {"service": canteen[0].pk, "date": MEAL_DAY.isoformat(), "reason": "Grève", **data}

    response = agent_client.post(CLOSURES, post)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Closure.objects.exists()
    assert refresh(meal) == [BookingStatus.CONFIRMED]


def test_another_communes_service_cannot_be_closed(agent_client, canteen, bains_canteen):
    meal = book(BeneficiaryFactory(), bains_canteen)

    response = preview(agent_client, bains_canteen[0])

    assert response.status_code == 200
    assert "service" in response.context["form"].errors
    assert not Closure.objects.exists()
    assert refresh(meal) == [BookingStatus.CONFIRMED]


def test_the_list_shows_only_the_agents_communes_closures(
    agent_client, agent, canteen, bains_canteen
):
    close_day(canteen[0], MEAL_DAY, "Grève des cantinières", by=agent)
    close_day(bains_canteen[0], MEAL_DAY, "Sortie à Bains", by=None)

    page = agent_client.get(CLOSURES).content.decode()

    assert "Grève des cantinières" in page
    assert "Sortie à Bains" not in page


def test_deleting_a_closure_reopens_the_day_and_cancelled_meals_stay_cancelled(
    agent_client, agent, canteen, family
):
    meal = book(family[1], canteen)
    closure = close_day(canteen[0], MEAL_DAY, "Grève", by=agent).closure

    response = agent_client.post(delete_url(closure))

    assert response.status_code == 302
    assert not Closure.objects.exists()
    assert refresh(meal) == [BookingStatus.CANCELLED]
    assert service_pot(family[0], canteen[0]) == Decimal("3.30")


def test_deleting_another_communes_closure_is_a_404(agent_client, bains_canteen):
    closure = close_day(bains_canteen[0], MEAL_DAY, "Sortie", by=None).closure

    assert agent_client.post(delete_url(closure)).status_code == 404
    assert Closure.objects.filter(pk=closure.pk).exists()


def test_the_navigation_offers_the_headcount_and_the_closures(agent_client):
    page = agent_client.get("/dashboard/").content.decode()

    assert "/dashboard/familles/effectifs/" in page
    assert "/dashboard/familles/fermetures/" in page


# --- Preview, confirmation, classes, groups and ranges ---------------------------------------


def pupil(school_class, group="", **fields):
    return BeneficiaryFactory(
        account=ParentFactory(), school_class=school_class, group=group, **fields
    )


def test_the_preview_lists_what_it_cancels_and_changes_nothing(
    agent_client, canteen, family, django_capture_on_commit_callbacks
):
    parent, lea, tom = family
    lea_meal, tom_meal = book(lea, canteen), book(tom, canteen)
    other = book(pupil("CP"), canteen, price="1.00")

    with django_capture_on_commit_callbacks(execute=True):
        response = preview(agent_client, canteen[0])

    assert response.status_code == 200
    shown = response.context["preview"]
    assert set(shown.cancelled) == {lea_meal, tom_meal, other}
    assert {f.account: f.total for f in shown.families} == {
        parent: Decimal("6.60"),
        other.account: Decimal("1.00"),
    }
    page = response.content.decode()
    assert "Léa" in page and "Tom" in page
    assert "mardi 12/03/2030" in page and "6,60 €" in page
    assert 'name="token"' in page and shown.token in page
    assert not Closure.objects.exists()
    assert refresh(lea_meal, tom_meal, other) == [BookingStatus.CONFIRMED] * 3
    assert mail.outbox == []


def test_confirming_cancels_exactly_the_previewed_bookings(
    agent_client, canteen, family, django_capture_on_commit_callbacks
):
    meals = [book(family[1], canteen), book(family[2], canteen)]
    previewed = preview(agent_client, canteen[0])

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(agent_client, previewed)

    assert response.status_code == 302
    cancelled = set(
        Booking.objects.filter(status=BookingStatus.CANCELLED).values_list("pk", flat=True)
    )
    assert cancelled == {b.pk for b in previewed.context["preview"].cancelled}
    assert cancelled == {b.pk for b in meals}


def test_a_booking_made_after_the_preview_shows_a_new_preview_and_closes_nothing(
    agent_client, canteen, family, django_capture_on_commit_callbacks
):
    first = book(family[1], canteen)
    previewed = preview(agent_client, canteen[0])
    # An agent books Tom for that day meanwhile.
    late = book(family[2], canteen)

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(agent_client, previewed)

    assert response.status_code == 200
    assert set(response.context["preview"].cancelled) == {first, late}
    assert "Les réservations ont changé depuis" in response.content.decode()
    assert not Closure.objects.exists()
    assert refresh(first, late) == [BookingStatus.CONFIRMED] * 2
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        again = confirm(agent_client, response)

    assert again.status_code == 302
    assert refresh(first, late) == [BookingStatus.CANCELLED] * 2


def test_a_forged_token_closes_nothing(agent_client, canteen, family):
    meal = book(family[1], canteen)
    previewed = preview(agent_client, canteen[0])
    data = {name: previewed.context["form"].data.get(name, "") for name in ("service", "date")}

    response = agent_client.post(CONFIRM, {**data, "reason": "Grève", "token": "0" * 64})

    assert response.status_code == 200
    assert not Closure.objects.exists()
    assert refresh(meal) == [BookingStatus.CONFIRMED]


def test_closing_a_class_cancels_only_its_bookings_and_leaves_the_day_open(
    agent_client, canteen, django_capture_on_commit_callbacks
):
    cp, cp_other = book(pupil("CP"), canteen), book(pupil("CP", "Les Hiboux"), canteen)
    ce1 = book(pupil("CE1"), canteen)

    with django_capture_on_commit_callbacks(execute=True):
        response = close(agent_client, canteen[0], reason="Sortie scolaire", school_class="CP")

    assert response.status_code == 302
    assert refresh(cp, cp_other, ce1) == [
        BookingStatus.CANCELLED,
        BookingStatus.CANCELLED,
        BookingStatus.CONFIRMED,
    ]
    closure = Closure.objects.get()
    assert (closure.school_class, closure.group, closure.end_date) == ("CP", "", MEAL_DAY)
    assert calendar_window(canteen[0], MEAL_DAY, MEAL_DAY).day_state(MEAL_DAY).open
    (message,) = [m for m in mail.outbox if m.to == [cp.account.email]]
    assert "pour la classe CP" in message.body and "Sortie scolaire" in message.body
    assert ce1.account.email not in [m.to[0] for m in mail.outbox]


def test_closing_a_group_cancels_only_that_groups_bookings(
    agent_client, canteen, django_capture_on_commit_callbacks
):
    owls, other = book(pupil("CP", "Les Hiboux"), canteen), book(pupil("CP", "Les Loups"), canteen)

    with django_capture_on_commit_callbacks(execute=True):
        close(agent_client, canteen[0], reason="Piscine", group="  Les   Hiboux ")

    assert refresh(owls, other) == [BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
    assert Closure.objects.get().group == "Les Hiboux"


def test_closing_a_range_cancels_each_day_of_it_and_closes_those_days(
    agent_client, canteen, family, django_capture_on_commit_callbacks
):
    parent, lea, _ = family
    first, second = book(lea, canteen), book(lea, canteen, day=OTHER_MEAL_DAY)
    after = book(lea, canteen, day=OTHER_MEAL_DAY + timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        response = close(agent_client, canteen[0], end=OTHER_MEAL_DAY.isoformat())

    assert response.status_code == 302
    assert refresh(first, second, after) == [
        BookingStatus.CANCELLED,
        BookingStatus.CANCELLED,
        BookingStatus.CONFIRMED,
    ]
    assert service_pot(parent, canteen[0]) == Decimal("6.60")
    window = calendar_window(canteen[0], MEAL_DAY, OTHER_MEAL_DAY + timedelta(days=1))
    assert [window.day_state(MEAL_DAY + timedelta(days=n)).open for n in range(4)] == [
        False,
        False,
        False,
        True,
    ]
    (message,) = mail.outbox
    assert "du 12/03/2030 au 14/03/2030" in message.body
    assert "mardi 12/03/2030" in message.body and "jeudi 14/03/2030" in message.body
    assert "6,60 €" in message.body


def test_an_overlapping_range_is_refused(agent_client, agent, canteen):
    close_day(canteen[0], OTHER_MEAL_DAY, "Grève", by=agent)

    response = preview(agent_client, canteen[0], end=OTHER_MEAL_DAY.isoformat())

    assert "déjà fermé le 14/03/2030" in response.context["form"].errors["date"][0]
    assert Closure.objects.count() == 1


@pytest.mark.parametrize(
    "end, message",
    [
        (MEAL_DAY - timedelta(days=1), "égal ou postérieur"),
        (MEAL_DAY + timedelta(days=400), "au plus 366 jours"),
    ],
)
def test_a_reversed_or_too_long_range_is_a_form_error(agent_client, canteen, end, message):
    response = preview(agent_client, canteen[0], end=end.isoformat())

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["end"])
    assert not Closure.objects.exists()


def test_a_failure_while_closing_leaves_everything_as_it_was(
    agent, canteen, family, monkeypatch, django_capture_on_commit_callbacks
):
    meals = [book(family[1], canteen), book(family[2], canteen)]
    request = ClosureRequest(canteen[0], MEAL_DAY, MEAL_DAY, "Grève")
    token = preview_closure(request).token

    def fail(*args, **kwargs):
        raise RuntimeError("the e-mails could not be prepared")

    # The last step of the closure fails: the cancellations and refunds before it roll back.
    monkeypatch.setattr(closures, "_email_families", fail)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        close_as_previewed(request, by=agent, token=token)

    assert not Closure.objects.exists()
    assert refresh(*meals) == [BookingStatus.CONFIRMED] * 2
    assert service_pot(family[0], canteen[0]) == Decimal("0.00")
    assert mail.outbox == []


def test_the_preview_costs_the_same_queries_for_3_and_30_bookings(agent_client, rosieres):
    def queries_for(count):
        canteen = make_canteen(rosieres, title=f"Cantine {count}")
        for _ in range(count):
            book(pupil("CP"), canteen)
        preview(agent_client, canteen[0])  # the school holidays' cache, filled once
        with CaptureQueriesContext(connection) as queries:
            response = preview(agent_client, canteen[0])
        assert len(response.context["preview"].cancelled) == count
        return len(queries)

    assert queries_for(3) == queries_for(30)


def test_the_list_tells_ranges_and_classes(agent_client, agent, canteen):
    close_as_previewed(
        ClosureRequest(canteen[0], MEAL_DAY, OTHER_MEAL_DAY, "Classe verte", "CM2", "Bleus"),
        by=agent,
        token=None,
    )

    page = agent_client.get(CLOSURES).content.decode()

    assert "du mardi 12/03/2030 au jeudi 14/03/2030" in page
    assert "CM2, groupe Bleus" in page and "Classe verte" in page
    assert "<main" in page


def test_a_class_closure_closes_the_day_for_that_class_only_in_the_calendar(agent, canteen):
    cp, owl, ce1 = pupil("CP"), pupil("CE1", "Les Hiboux"), pupil("CE1")
    close_as_previewed(
        ClosureRequest(canteen[0], MEAL_DAY, MEAL_DAY, "Sortie scolaire", "CP"),
        by=agent,
        token=None,
    )
    close_as_previewed(
        ClosureRequest(canteen[0], MEAL_DAY, MEAL_DAY, "Piscine", "", "Les Hiboux"),
        by=agent,
        token=None,
    )

    window = calendar_window(canteen[0], MEAL_DAY, OTHER_MEAL_DAY)

    assert window.day_state(MEAL_DAY).open
    assert window.day_state_for(MEAL_DAY, cp).reason == "Fermeture exceptionnelle : Sortie scolaire"
    assert window.day_state_for(MEAL_DAY, owl).reason == "Fermeture exceptionnelle : Piscine"
    assert window.day_state_for(MEAL_DAY, ce1).open
    assert window.day_state_for(OTHER_MEAL_DAY, cp).open


def test_the_form_suggests_the_groups_of_the_agents_booked_children_only(
    agent_client, canteen, bains_canteen
):
    book(pupil("CP", "Les Hiboux"), canteen)
    book(pupil("CP", "Les Loups"), canteen, status=BookingStatus.CANCELLED)
    book(pupil("CP", "Groupe de Bains"), bains_canteen)

    page = agent_client.get(CLOSURES).content.decode()

    assert 'list="closure_groups"' in page
    assert '<option value="Les Hiboux">' in page
    assert "Les Loups" not in page and "Groupe de Bains" not in page
