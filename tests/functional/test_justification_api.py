"""The parents' absence certificates API: send one (multipart) for a child's booked days, list
and read them, download the file; another family's child or certificate is a 404, a refused
file or range a French 400 with nothing stored."""

import datetime

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from reservations import attendance
from reservations.models import AbsenceJustification, JustificationStatus
from tests.access_factories import executable_upload, pdf_upload, stored_files, use_private_root
from tests.booking_factories import make_booking, make_canteen
from tests.factories import ParentFactory, PendingParentFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

URL = "/api/reservations/absence-justifications/"
# Days already past: a certificate justifies what happened (a day to come is cancelled).
MEAL_DAY = timezone.localdate() - datetime.timedelta(days=10)
OTHER_MEAL_DAY = MEAL_DAY + datetime.timedelta(days=2)


@pytest.fixture(autouse=True)
def private_root(settings, monkeypatch, tmp_path):
    root = tmp_path / "private"
    use_private_root(settings, monkeypatch, root)
    field = AbsenceJustification._meta.get_field("file")
    monkeypatch.setattr(field, "storage", storages["private"])
    monkeypatch.setattr(attendance, "_post_paid_checks", [])
    return root


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def alice(parent, canteen):
    service, meal, _ = canteen
    alice = BeneficiaryFactory(account=parent, first_name="Alice")
    make_booking(alice, service=service, tariff_option=meal, day=MEAL_DAY)
    return alice


def send(client, child, service, upload=None, **fields):
    data = {
        "beneficiary": child.pk,
        "service": service.pk,
        "start_date": MEAL_DAY.isoformat(),
        "end_date": OTHER_MEAL_DAY.isoformat(),
        "file": upload or pdf_upload("certificat.pdf"),
        "comment": "Varicelle",
        **fields,
    }
    return client.post(URL, data)  # multipart


def test_a_parent_sends_a_certificate_and_finds_it_in_the_list(client, parent, alice, canteen):
    service, _meal, _ = canteen
    client.force_login(parent)

    sent = send(client, alice, service)
    listed = client.get(URL)

    assert sent.status_code == 201
    body = sent.json()
    assert body["status"] == JustificationStatus.PENDING
    assert body["status_label"] == "En attente"
    assert body["beneficiary_name"] == "Alice"
    assert body["service_title"] == "Cantine de Rosières"
    assert (body["start_date"], body["end_date"]) == (
        MEAL_DAY.isoformat(),
        OTHER_MEAL_DAY.isoformat(),
    )
    assert [row["id"] for row in listed.json()] == [body["id"]]
    assert client.get(f"{URL}{body['id']}/").json()["comment"] == "Varicelle"


def test_the_family_downloads_its_certificate_typed_by_its_content(client, parent, alice, canteen):
    client.force_login(parent)
    pk = send(client, alice, canteen[0]).json()["id"]

    response = client.get(f"{URL}{pk}/document/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_familys_child_or_certificate_is_a_404(client, parent, alice, canteen):
    service, _meal, _ = canteen
    client.force_login(parent)
    pk = send(client, alice, service).json()["id"]
    other = ParentFactory()
    client.force_login(other)

    assert send(client, alice, service).status_code == 404
    assert client.get(f"{URL}{pk}/").status_code == 404
    assert client.get(f"{URL}{pk}/document/").status_code == 404
    assert client.get(URL).json() == []
    assert AbsenceJustification.objects.count() == 1


def test_an_unknown_service_is_a_404(client, parent, alice):
    client.force_login(parent)
    response = client.post(
        URL,
        {
            "beneficiary": alice.pk,
            "service": 999_999,
            "start_date": MEAL_DAY.isoformat(),
            "end_date": MEAL_DAY.isoformat(),
            "file": pdf_upload(),
        },
    )
    assert response.status_code == 404


def test_a_disguised_file_is_a_french_400_and_nothing_is_stored(
    client, parent, alice, canteen, private_root
):
    client.force_login(parent)

    response = send(client, alice, canteen[0], upload=executable_upload())

    assert response.status_code == 400
    assert "n'est pas un PDF, un JPEG ou un PNG" in response.json()["detail"]
    assert not AbsenceJustification.objects.exists()
    assert stored_files(private_root) == []


def test_days_without_booking_are_a_french_400(client, parent, alice, canteen):
    client.force_login(parent)
    later = (MEAL_DAY + datetime.timedelta(days=1)).isoformat()
    response = send(client, alice, canteen[0], start_date=later, end_date=later)
    assert response.status_code == 400
    assert "n'a aucune réservation à ce service" in response.json()["detail"]


def test_a_missing_field_is_a_field_error(client, parent, alice, canteen):
    client.force_login(parent)
    response = client.post(URL, {"beneficiary": alice.pk, "service": canteen[0].pk})
    assert response.status_code == 400
    assert set(response.json()) >= {"start_date", "end_date", "file"}


def test_an_account_awaiting_validation_cannot_send_one(client, canteen):
    pending = PendingParentFactory()
    child = BeneficiaryFactory(account=pending)
    client.force_login(pending)
    assert send(client, child, canteen[0]).status_code == 403


# --- The parent's page (themes/) ---------------------------------------------------------------

PAGE = "/espace/reservations/absences/"


def page_post(client, child, service, upload=None, **fields):
    data = {
        "beneficiary": child.pk,
        "service": service.pk,
        "start_date": MEAL_DAY.isoformat(),
        "end_date": MEAL_DAY.isoformat(),
        "file": upload or pdf_upload("certificat.pdf"),
        **fields,
    }
    return client.post(PAGE, data)


def test_the_page_sends_a_certificate_and_lists_it_pending(client, parent, alice, canteen):
    client.force_login(parent)

    shown = client.get(PAGE)
    sent = page_post(client, alice, canteen[0])
    listed = client.get(PAGE).content.decode()

    assert shown.status_code == 200
    assert "Cantine de Rosières" in shown.content.decode()
    assert sent.status_code == 302
    assert AbsenceJustification.objects.get().beneficiary == alice
    assert "Justificatif envoyé : la mairie l&#x27;examine" in listed
    assert f"{MEAL_DAY:%d/%m/%Y}" in listed and "En attente" in listed


def test_the_page_shows_a_refusal_next_to_the_form_and_stores_nothing(
    client, parent, alice, canteen
):
    client.force_login(parent)

    response = page_post(client, alice, canteen[0], upload=executable_upload())

    assert response.status_code == 400
    assert "n&#x27;est pas un PDF, un JPEG ou un PNG" in response.content.decode()
    assert not AbsenceJustification.objects.exists()


def test_the_page_refuses_another_familys_child_with_a_404(client, alice, canteen):
    client.force_login(ParentFactory())
    assert page_post(client, alice, canteen[0]).status_code == 404
    assert not AbsenceJustification.objects.exists()


def test_my_bookings_links_to_the_page(client, parent, alice):
    client.force_login(parent)
    assert PAGE in client.get("/espace/reservations/").content.decode()
