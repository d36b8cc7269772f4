"""The reminders task (reservations.tasks.send_reminders) on real data: what it sends, once.
The clock is passed in; 08/03/2030 is a Friday, the canteen's rule is "J-2 ouvrés à 10:00"."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail

from accounts import notifications
from accounts.models import NotificationKind, SentReminder
from reservations.rules import PARIS
from reservations.tasks import send_reminders
from tests.booking_factories import accept_access, make_booking, make_canteen, top_up
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

FRIDAY_MORNING = datetime(2030, 3, 8, 9, 0, tzinfo=PARIS)
SUNDAY_NOON = datetime(2030, 3, 10, 12, 0, tzinfo=PARIS)


@pytest.fixture
def family():
    """Alice, with access to the canteen, who ate there every Monday and Tuesday of the last
    four weeks; 2 € left in the general pot."""
    service, meal, _calendar = make_canteen()
    alice = BeneficiaryFactory(first_name="Alice")
    parent = alice.account
    accept_access(parent, meal, [alice])
    for monday in (date(2030, 2, 11) + timedelta(weeks=n) for n in range(4)):
        for day in (monday, monday + timedelta(days=1)):
            make_booking(alice, service=service, tariff_option=meal, day=day)
    top_up(parent, "2.00")
    parent.service, parent.meal, parent.alice = service, meal, alice
    return parent


def run(now, capture):
    with capture(execute=True):
        return send_reminders.delay(now.isoformat()).get()


def subjects() -> list[str]:
    return sorted(message.subject for message in mail.outbox)


def test_friday_morning_sends_the_weekly_reminders_and_a_second_run_sends_nothing(
    family, django_capture_on_commit_callbacks
):
    assert run(FRIDAY_MORNING, django_capture_on_commit_callbacks) == 3
    assert run(FRIDAY_MORNING, django_capture_on_commit_callbacks) == 0
    assert run(FRIDAY_MORNING + timedelta(hours=5), django_capture_on_commit_callbacks) == 0

    assert subjects() == [
        "Rien n'est réservé la semaine prochaine",
        "Votre porte-monnaie est bientôt vide",
        "Votre semaine du 11/03",
    ]
    assert {message.to[0] for message in mail.outbox} == {family.email}
    low = next(m for m in mail.outbox if m.subject.startswith("Votre porte-monnaie"))
    body = low.body.replace("\xa0", " ")  # euros() puts a non-breaking space before €
    # Two usual days (Monday and Tuesday) at 3,30 € each; 2 € available.
    assert "2,00 € disponibles" in body
    assert "une semaine habituelle coûte 6,60 €" in body
    assert set(SentReminder.objects.values_list("kind", "period")) == {
        (NotificationKind.UNBOOKED_WEEK, "2030-03-11"),
        (NotificationKind.LOW_BALANCE, "2030-03-11"),
        (NotificationKind.WEEKLY_SUMMARY, "2030-03-11"),
    }


def test_a_kind_the_family_turned_off_is_not_sent_nor_recorded(
    family, django_capture_on_commit_callbacks
):
    notifications.set_preferences(
        family, {NotificationKind.WEEKLY_SUMMARY: False, NotificationKind.LOW_BALANCE: False}
    )

    assert run(FRIDAY_MORNING, django_capture_on_commit_callbacks) == 1

    assert subjects() == ["Rien n'est réservé la semaine prochaine"]
    assert not SentReminder.objects.filter(kind=NotificationKind.WEEKLY_SUMMARY).exists()


def test_the_day_before_a_deadline_names_the_unbooked_child_with_a_working_unsubscribe_link(
    family, client, django_capture_on_commit_callbacks
):
    notifications.set_preferences(
        family,
        {
            NotificationKind.WEEKLY_SUMMARY: False,
            NotificationKind.LOW_BALANCE: False,
            NotificationKind.UNBOOKED_WEEK: False,
        },
    )

    # Sunday: Wednesday 13's deadline is Monday 11 at 10:00.
    assert run(SUNDAY_NOON, django_capture_on_commit_callbacks) == 1

    (message,) = mail.outbox
    assert message.subject == (
        "Dernier jour pour réserver : Cantine de Rosières, date limite le 11/03 à 10:00"
    )
    assert "- Alice" in message.body
    assert "du 13/03/2030 au 13/03/2030" in message.body
    link = notifications.unsubscribe_url(family, NotificationKind.DEADLINE_REMINDER)
    assert link in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    path = link.removeprefix("http://127.0.0.1:8000")
    assert client.post(path).status_code == 200
    assert notifications.preferences_of(family)[NotificationKind.DEADLINE_REMINDER] is False


def test_a_child_booked_on_the_closing_day_gets_no_deadline_reminder(
    family, django_capture_on_commit_callbacks
):
    make_booking(
        family.alice, service=family.service, tariff_option=family.meal, day=date(2030, 3, 13)
    )
    notifications.set_preferences(
        family,
        {
            NotificationKind.WEEKLY_SUMMARY: False,
            NotificationKind.LOW_BALANCE: False,
            NotificationKind.UNBOOKED_WEEK: False,
        },
    )

    assert run(SUNDAY_NOON, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_a_family_without_an_accepted_access_gets_no_reminder(django_capture_on_commit_callbacks):
    make_canteen()
    BeneficiaryFactory()

    assert run(FRIDAY_MORNING, django_capture_on_commit_callbacks) == 0


def test_the_reminders_task_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reservations.tasks.send_reminders" in tasks


@pytest.mark.parametrize("families", [2, 8])
def test_gathering_every_familys_situation_takes_the_same_queries_for_2_or_8_families(
    families, django_assert_max_num_queries
):
    from reservations.tasks import gather

    service, meal, _calendar = make_canteen()
    for _n in range(families):
        child = BeneficiaryFactory()
        accept_access(child.account, meal, [child])
        make_booking(child, service=service, tariff_option=meal, day=date(2030, 3, 4))
        top_up(child.account, "5.00")

    with django_assert_max_num_queries(9):
        found, services, accounts = gather(FRIDAY_MORNING)

    assert len(found) == len(accounts) == families
    assert list(services) == [service.pk]
