"""Absence justifications against PostgreSQL and a private storage: the parent's certificate
checked like the access documents; accepting makes the booked days justified absences,
refunded to the service's pot when it is prepaid (never more than was paid), not when it is
post-paid; refusing says why; the parent is told by e-mail; billed days cannot change."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.storage import storages

from reservations import attendance
from reservations.attendance import Mark, lock_attendance, record_attendance
from reservations.justifications import (
    JustificationError,
    accept_justification,
    refuse_justification,
    submit_justification,
)
from reservations.models import (
    AbsenceJustification,
    Attendance,
    AttendanceState,
    JustificationStatus,
)
from tests.access_factories import (
    executable_upload,
    oversized_pdf_upload,
    pdf_upload,
    png_upload,
    stored_files,
    use_private_root,
)
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.functional.test_bookings_api import book_and_pay
from tests.functional.test_checkout_payment import service_pot
from tests.reservations_factories import BeneficiaryFactory
from wallet import integrity
from wallet.models import Transfer, TransferKind

pytestmark = pytest.mark.django_db

# The clock of these tests: the booked days (March 2030) are past.
AFTER_THE_DAYS = datetime.date(2030, 3, 20)
RANDOM_NAME = re.compile(r"^justifications/[0-9a-f]{32}\.(pdf|png)$")


@pytest.fixture(autouse=True)
def private_root(settings, monkeypatch, tmp_path):
    root = tmp_path / "private"
    use_private_root(settings, monkeypatch, root)
    # The helper repoints the access documents' field; the certificates' field likewise.
    field = AbsenceJustification._meta.get_field("file")
    monkeypatch.setattr(field, "storage", storages["private"])
    return root


@pytest.fixture(autouse=True)
def prepaid(monkeypatch):
    # No billing check registered: every service is prepaid, whatever another test registered.
    monkeypatch.setattr(attendance, "_post_paid_checks", [])


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def commune(canteen):
    return canteen[1].stockrecords.first().partner


@pytest.fixture
def agent(commune):
    return AgentFactory(communes=[commune])


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def alice(parent):
    return BeneficiaryFactory(account=parent, first_name="Alice")


def submit(parent, child, service, start=MEAL_DAY, end=OTHER_MEAL_DAY, upload=None):
    return submit_justification(
        account=parent,
        beneficiary=child,
        service=service,
        start_date=start,
        end_date=end,
        upload=upload or pdf_upload("certificat.pdf"),
        comment="Gastro-entérite",
        today=AFTER_THE_DAYS,
    )


def test_a_certificate_is_stored_privately_pending_for_the_services_commune(
    canteen, commune, parent, alice, private_root
):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)

    justification = submit(parent, alice, service, upload=png_upload("ordonnance.png"))

    assert justification.status == JustificationStatus.PENDING
    assert justification.commune == commune
    assert RANDOM_NAME.match(justification.file.name)
    assert justification.original_name == "ordonnance.png"
    assert justification.content_type == "image/png"
    assert len(stored_files(private_root)) == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (executable_upload, "n'est pas un PDF, un JPEG ou un PNG"),
        (oversized_pdf_upload, "dépasse 10 Mo"),
    ],
)
def test_a_disguised_or_oversized_file_is_refused_and_nothing_stored(
    canteen, parent, alice, private_root, upload, message
):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)

    with pytest.raises(JustificationError, match=message):
        submit(parent, alice, service, upload=upload())

    assert not AbsenceJustification.objects.exists()
    assert stored_files(private_root) == []


def test_days_without_any_booking_cannot_be_justified(canteen, parent, alice):
    service, _meal, _ = canteen
    with pytest.raises(JustificationError) as refused:
        submit(parent, alice, service)
    assert str(refused.value) == (
        f"{alice} n'a aucune réservation à ce service entre le 12/03/2030 et le 14/03/2030."
    )


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (OTHER_MEAL_DAY, MEAL_DAY, "La date de fin précède la date de début."),
        (MEAL_DAY, MEAL_DAY + datetime.timedelta(days=31), "au plus 31 jours"),
    ],
)
def test_a_backwards_or_too_long_range_is_refused(canteen, parent, alice, start, end, message):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)
    with pytest.raises(JustificationError, match=message):
        submit(parent, alice, service, start=start, end=end)


def test_a_day_to_come_is_cancelled_not_justified(canteen, parent, alice):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal, day=OTHER_MEAL_DAY)
    with pytest.raises(JustificationError, match="Pour un jour à venir, annulez la réservation"):
        submit_justification(
            account=parent,
            beneficiary=alice,
            service=service,
            start_date=MEAL_DAY,
            end_date=OTHER_MEAL_DAY,
            upload=pdf_upload(),
            today=MEAL_DAY,
        )
    assert not AbsenceJustification.objects.exists()


# --- Accepting ---------------------------------------------------------------------------------


def test_accepting_refunds_each_paid_day_to_the_services_pot_and_tells_the_parent(
    client, canteen, parent, alice, agent, django_capture_on_commit_callbacks
):
    service, meal, _ = canteen
    bookings = book_and_pay(client, parent, meal, [(alice, MEAL_DAY), (alice, OTHER_MEAL_DAY)])
    justification = submit(parent, alice, service)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        accept_justification(justification, by=agent)

    justification.refresh_from_db()
    assert justification.status == JustificationStatus.ACCEPTED
    assert justification.reviewed_by == agent and justification.reviewed_at
    assert {a.date: a.state for a in Attendance.objects.all()} == {
        MEAL_DAY: AttendanceState.ABSENT_JUSTIFIED,
        OTHER_MEAL_DAY: AttendanceState.ABSENT_JUSTIFIED,
    }
    assert {a.booking for a in Attendance.objects.all()} == set(bookings)
    assert service_pot(parent, service) == Decimal("6.60")
    refunds = Transfer.objects.filter(kind=TransferKind.REFUND).order_by("pk")
    assert [t.reason for t in refunds] == [
        "Absence justifiée d'Alice le 12/03/2030",
        "Absence justifiée d'Alice le 14/03/2030",
    ]
    assert integrity.check_ledger().ok
    (email,) = mail.outbox
    assert email.to == [parent.email]
    assert email.subject == "Justificatif d'absence accepté : Cantine de Rosières"
    assert "Le justificatif d'absence d'Alice pour « Cantine de Rosières »" in email.body
    assert "reversé dans le porte-monnaie de ce service" in email.body


def test_a_later_cancellation_of_a_refunded_day_gives_back_nothing_more(
    client, canteen, parent, alice, agent
):
    from accounts.roles import ActorRole
    from reservations.bookings import cancel_booking

    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(alice, MEAL_DAY)])
    accept_justification(submit(parent, alice, service, end=MEAL_DAY), by=agent)

    cancel_booking(
        booking,
        by=agent,
        role=ActorRole.AGENT,
        now=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
    )

    assert service_pot(parent, service) == Decimal("3.30")
    assert integrity.check_ledger().ok


def test_a_post_paid_service_refunds_nothing_and_the_day_is_not_billed(
    canteen, parent, alice, agent, monkeypatch, django_capture_on_commit_callbacks
):
    service, meal, _ = canteen
    monkeypatch.setattr(attendance, "_post_paid_checks", [lambda service_id: True])
    make_booking(alice, service=service, tariff_option=meal)
    justification = submit(parent, alice, service)

    with django_capture_on_commit_callbacks(execute=True):
        accept_justification(justification, by=agent)

    assert Attendance.objects.get().state == AttendanceState.ABSENT_JUSTIFIED
    assert not Transfer.objects.filter(kind=TransferKind.REFUND).exists()
    assert "ces jours ne vous seront pas facturés" in mail.outbox[-1].body


def test_a_day_pointed_present_stays_present_and_an_absent_one_becomes_justified(
    canteen, parent, alice, agent
):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal, day=MEAL_DAY)
    make_booking(alice, service=service, tariff_option=meal, day=OTHER_MEAL_DAY)
    record_attendance(service, MEAL_DAY, [Mark(alice.pk, AttendanceState.PRESENT)], by=agent)
    record_attendance(service, OTHER_MEAL_DAY, [Mark(alice.pk, AttendanceState.ABSENT)], by=agent)

    accept_justification(submit(parent, alice, service), by=agent)

    assert {a.date: a.state for a in Attendance.objects.all()} == {
        MEAL_DAY: AttendanceState.PRESENT,
        OTHER_MEAL_DAY: AttendanceState.ABSENT_JUSTIFIED,
    }


def test_a_billed_day_cannot_be_justified_afterwards(canteen, parent, alice, agent):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)
    justification = submit(parent, alice, service)
    lock_attendance(service.pk, [MEAL_DAY])

    with pytest.raises(JustificationError, match="Le pointage du 12/03/2030 est verrouillé"):
        accept_justification(justification, by=agent)

    justification.refresh_from_db()
    assert justification.status == JustificationStatus.PENDING
    assert Attendance.objects.get().state == AttendanceState.PRESENT


def test_a_justification_is_examined_once(canteen, parent, alice, agent):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)
    justification = submit(parent, alice, service)
    accept_justification(justification, by=agent)

    with pytest.raises(JustificationError, match="déjà été examiné"):
        refuse_justification(justification, by=agent, reason="Trop tard")


def test_an_agent_of_another_commune_may_not_decide(canteen, parent, alice):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)
    justification = submit(parent, alice, service)
    outsider = AgentFactory(communes=[PartnerFactory(name="Aiguilhe")])

    with pytest.raises(PermissionError):
        accept_justification(justification, by=outsider)

    assert not Attendance.objects.exists()


# --- Refusing ----------------------------------------------------------------------------------


def test_refusing_needs_a_reason_and_sends_it_to_the_parent(
    canteen, parent, alice, agent, django_capture_on_commit_callbacks
):
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)
    justification = submit(parent, alice, service)
    with pytest.raises(JustificationError, match="Indiquez le motif du refus"):
        refuse_justification(justification, by=agent, reason="  ")

    with django_capture_on_commit_callbacks(execute=True):
        refuse_justification(justification, by=agent, reason="Le certificat n'est pas daté.")

    justification.refresh_from_db()
    assert justification.status == JustificationStatus.REFUSED
    assert justification.reason == "Le certificat n'est pas daté."
    assert not Attendance.objects.exists()
    (email,) = mail.outbox
    assert email.subject == "Justificatif d'absence refusé : Cantine de Rosières"
    assert "a été refusé, pour le motif suivant : Le certificat n'est pas daté." in email.body


# --- Closing the account (RGPD) ----------------------------------------------------------------


def test_closing_the_account_erases_the_certificates_and_keeps_the_justified_days(
    canteen, parent, alice, agent, private_root, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts import closure
    from tests.factories import DEFAULT_PASSWORD

    # Post-paid: no refund sits in the wallet, which would keep the account open.
    monkeypatch.setattr(attendance, "_post_paid_checks", [lambda service_id: True])
    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)
    accept_justification(submit(parent, alice, service), by=agent)
    assert len(stored_files(private_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        closed = closure.close_account(parent, password=DEFAULT_PASSWORD, today=AFTER_THE_DAYS)

    assert closed.erased["absence_justifications"] == 1
    assert not AbsenceJustification.objects.exists()
    assert stored_files(private_root) == []
    assert Attendance.objects.get().state == AttendanceState.ABSENT_JUSTIFIED


def test_the_data_export_holds_the_pointage_and_the_certificates_as_sent(
    canteen, parent, alice, agent
):
    import io
    import json
    import zipfile

    from accounts.rgpd import write_export

    service, meal, _ = canteen
    make_booking(alice, service=service, tariff_option=meal)
    accept_justification(
        submit(parent, alice, service, upload=pdf_upload("certificat Dr Roux.pdf")), by=agent
    )
    out = io.BytesIO()

    write_export(parent, out)

    archive = zipfile.ZipFile(out)
    data = json.loads(archive.read("donnees.json"))
    (day,) = data["attendance"]
    assert (day["date"], day["state"]) == ("2030-03-12", "absent_justified")
    (certificate,) = data["absence_justifications"]
    assert certificate["status"] == "accepted"
    assert archive.read(certificate["file"]).startswith(b"%PDF")
    assert certificate["file"].startswith("justificatifs/")
    assert "justificatifs/" in archive.read("LISEZMOI.txt").decode()
