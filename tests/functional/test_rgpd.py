"""RGPD: a family downloads everything the platform holds about it (a ZIP: donnees.json and the
files it sent), and closes its account: personal data erased or anonymised, accounting rows
kept as they were, login impossible afterwards; refused, with what to do, while something is
pending. Through the API and the parent's « Mes données » page.

The orders are placed by the real checkout, paid from the porte-monnaie, on a clock set before
the meals; the closure runs after them."""

import datetime
import io
import json
import os
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory, TestCase
from django.utils import timezone
from oscar.core.loading import get_model

from accounts import closure
from accounts.models import AccountClosure, CalendarFeed, NotificationKind, NotificationOptOut, User
from reservations.models import AccessDocument, Beneficiary, Booking, BookingStatus, ServiceAccess
from shop.checkout import checkout
from tests.access_factories import PDF_BYTES, ask, make_option
from tests.booking_factories import (
    MEAL_DAY,
    OTHER_MEAL_DAY,
    add_meals,
    make_booking,
    make_canteen,
    top_up,
)
from tests.factories import DEFAULT_PASSWORD, AgentFactory, ParentFactory, PartnerFactory
from tests.reservations_factories import BeneficiaryFactory
from wallet import payments
from wallet.models import CardPayment, LedgerAccount, Leg, RegieShare, ShareStatus, Transfer

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
Line = get_model("order", "Line")

EXPORT = "/api/accounts/me/export/"
CLOSE = "/api/accounts/me/close/"
ME = "/api/accounts/me/"
PAGE = "/espace/mes-donnees/"
DOWNLOAD = "/espace/mes-donnees/telecharger/"
CLOSE_PAGE = "/espace/mes-donnees/fermer-mon-compte/"
PHOTO_BYTES = b"\xff\xd8\xff\xe0 une photo \xff\xd9"

# Before the meals (12 and 14/03/2030: bookable), and after them (closure allowed).
BEFORE = datetime.datetime(2030, 3, 1, 9, 0, tzinfo=datetime.UTC)
AFTER = datetime.datetime(2030, 4, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _private_files_and_throttles(settings, tmp_path):
    # PrivateStorage reads the setting at each use: every private file of the test lands here.
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    cache.clear()
    yield
    cache.clear()


def place_order(parent, option, meals):
    """One basket of `meals` [(child, day)], checked out with the wallet; e-mails and the
    numbering that run after the commit are run."""
    basket = add_meals(parent, option, meals)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return checkout(basket.pk, payer=parent, payment_method="wallet").order


@pytest.fixture
def family():
    """Claire Martin, two children (Léa with a photo), an access request with its two
    documents, a paid order of three meals (wallet, exact amount), a turned-off e-mail and a
    settled card top-up: every kind of row the export covers."""
    with time_machine.travel(BEFORE, tick=False):
        parent = ParentFactory(
            email="claire.martin@example.org", first_name="Claire", last_name="Martin"
        )
        parent.birth_date = datetime.date(1986, 4, 12)
        parent.save()
        lea = BeneficiaryFactory(
            account=parent, first_name="Léa", last_name="Martin", diet="sans_porc"
        )
        lea.photo.save("photo.jpg", ContentFile(PHOTO_BYTES))
        tom = BeneficiaryFactory(account=parent, first_name="Tom", last_name="Martin")
        service, meal, _calendar = make_canteen()
        access = ask(parent, make_option(service="Garderie de Rosières"), beneficiaries=[lea])
        top_up(parent, "9.90")
        order = place_order(parent, meal, [(lea, MEAL_DAY), (tom, MEAL_DAY), (lea, OTHER_MEAL_DAY)])
        NotificationOptOut.objects.create(account=parent, kind=NotificationKind.WEEKLY_SUMMARY)
        CardPayment.objects.create(
            owner=parent,
            purpose="top_up",
            amount=Decimal("10.00"),
            gateway="offline",
            status="succeeded",
            idempotency_key=f"test-top-up-{parent.pk}",
            settled_at=timezone.now(),
        )
    mail.outbox.clear()
    return {"parent": parent, "lea": lea, "tom": tom, "access": access, "order": order}


@pytest.fixture
def neighbour():
    """Another family, with a child, a request and its documents."""
    parent = ParentFactory(email="voisin@example.org", first_name="Paul", last_name="Voisin")
    zoe = BeneficiaryFactory(account=parent, first_name="Zoé", last_name="Voisin")
    ask(parent, make_option(service="Cantine du Voisinage"), beneficiaries=[zoe])
    return parent


def logged_in(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def archive_of(response) -> zipfile.ZipFile:
    content = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(content))


def data_of(archive) -> dict:
    return json.loads(archive.read("donnees.json"))


def accounting_rows() -> dict:
    """What the law keeps: counts, and the receipt numbers."""
    return {
        "orders": Order.objects.count(),
        "order lines": Line.objects.count(),
        "bookings": Booking.objects.count(),
        "transfers": Transfer.objects.count(),
        "legs": Leg.objects.count(),
        "card payments": CardPayment.objects.count(),
        "shares": sorted(RegieShare.objects.values_list("number", "amount", "status")),
        "ledger": sorted(Leg.objects.values_list("pk", "amount")),
    }


# --- Export -----------------------------------------------------------------------------------


def test_the_export_holds_every_kind_of_the_familys_data_and_its_files(family, neighbour):
    response = logged_in(family["parent"]).get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = archive_of(response)
    data = data_of(archive)
    assert data["account"]["email"] == "claire.martin@example.org"
    assert data["account"]["birth_date"] == "1986-04-12"
    assert {b["first_name"] for b in data["beneficiaries"]} == {"Léa", "Tom"}
    assert {b["first_name"]: b["diet"] for b in data["beneficiaries"]}["Léa"] == "sans_porc"
    accesses = {access["service"]: access for access in data["service_accesses"]}
    assert accesses["Cantine de Rosières"]["status"] == "accepted"
    access = accesses["Garderie de Rosières"]
    assert access["reference_tax_income"] == "24000.00"
    assert [step["status"] for step in access["history"]] == ["pending"]
    assert {d["kind"] for d in access["documents"]} == {"proof_of_address", "family_quotient"}
    assert len(data["bookings"]) == 3
    assert {b["status"] for b in data["bookings"]} == {"confirmed"}
    (order,) = data["orders"]
    assert order["number"] == family["order"].number
    assert len(order["lines"]) == 3
    assert order["total_incl_tax"] == "9.90"
    kinds = {movement["kind"] for movement in data["wallet"]["movements"]}
    assert {"top_up", "purchase"} <= kinds
    assert [p["purpose"] for p in data["card_payments"]] == ["top_up"]
    (share,) = data["regie_shares"]
    assert share["status"] == "paid" and share["receipt_number"]
    assert share["receipt_number"] == RegieShare.objects.get().number
    assert data["notifications"]["turned_off"][0]["kind"] == "weekly_summary"
    # The files themselves, as sent.
    for document in access["documents"]:
        assert document["file"] in archive.namelist()
    proof = next(d for d in access["documents"] if d["kind"] == "proof_of_address")
    assert archive.read(proof["file"]) == PDF_BYTES
    photo = next(b for b in data["beneficiaries"] if b["first_name"] == "Léa")["photo"]
    assert archive.read(photo) == PHOTO_BYTES
    assert "LISEZMOI.txt" in archive.namelist()


def test_the_export_never_holds_another_familys_data(family, neighbour):
    archive = archive_of(logged_in(family["parent"]).get(EXPORT))

    text = archive.read("donnees.json").decode()
    for word in ("Zoé", "Voisin", "voisin@example.org", "Cantine du Voisinage"):
        assert word not in text
    theirs = AccessDocument.objects.filter(access__account=neighbour)
    names = " ".join(archive.namelist())
    assert all(f"/{document.pk}-" not in names for document in theirs)
    assert len([n for n in archive.namelist() if n.startswith("documents/")]) == 2


def test_an_anonymous_visitor_gets_no_export(family):
    assert Client().get(EXPORT).status_code in (401, 403)
    assert Client().post(DOWNLOAD).status_code == 302


def _export_queries(parent, django_assert_max_num_queries, bound):
    client = logged_in(parent)
    with django_assert_max_num_queries(bound):
        archive_of(client.get(EXPORT))


@pytest.mark.parametrize("meals", [2, 40])
def test_the_export_reads_a_fixed_number_of_queries_whatever_the_amount_of_data(
    meals, django_assert_max_num_queries
):
    service, meal, _calendar = make_canteen()
    parent = ParentFactory()
    children = [BeneficiaryFactory(account=parent) for _ in range(3 if meals > 2 else 1)]
    for child in children:
        ask(parent, make_option(service=f"Garderie {child.pk}"), beneficiaries=[child])
    for n in range(meals):
        make_booking(
            children[n % len(children)],
            service=service,
            tariff_option=meal,
            day=MEAL_DAY + datetime.timedelta(days=n),
        )
    top_up(parent, "5.00")

    # One or two queries per kind of row, never one per row: the same bound for 2 meals and
    # 1 child as for 40 meals and 3 children (17: the pointage and the absence certificates).
    _export_queries(parent, django_assert_max_num_queries, 17)


# --- Closure: refused while something is pending ----------------------------------------------


def close(client, password=DEFAULT_PASSWORD):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(CLOSE, {"password": password}, content_type="application/json")


def test_closure_is_refused_while_bookings_are_to_come_and_says_what_to_do(family):
    parent = family["parent"]
    with time_machine.travel(BEFORE, tick=False):
        response = close(logged_in(parent))

    assert response.status_code == 409, response.content
    (reason,) = response.json()["reasons"]
    assert "3 réservation(s) à venir (jusqu'au 14/03/2030)" in reason
    assert "annulez-les dans « Mes réservations »" in reason
    parent.refresh_from_db()
    assert parent.is_active and parent.email == "claire.martin@example.org"
    assert not AccountClosure.objects.exists()
    assert mail.outbox == []


def test_closure_is_refused_while_the_wallet_holds_money(family):
    parent = family["parent"]
    top_up(parent, "5.00")
    with time_machine.travel(AFTER, tick=False):
        response = close(logged_in(parent))

    assert response.status_code == 409
    assert response.json()["reasons"] == [
        "Votre porte-monnaie contient 5,00\u00a0€ : demandez-en le remboursement à votre mairie "
        "(la régie qui l'a encaissé) ; une fois le remboursement enregistré, vous pourrez "
        "fermer votre compte."
    ]


def test_closure_is_refused_while_a_card_payment_is_in_progress(family):
    parent = family["parent"]
    with time_machine.travel(AFTER, tick=False):
        payments.start_top_up(parent, "10.00")
        response = close(logged_in(parent))

    assert response.status_code == 409
    assert any("Un paiement par carte est en cours" in r for r in response.json()["reasons"])


def test_closure_is_refused_while_an_order_awaits_payment(family):
    parent = family["parent"]
    service, meal, _ = make_canteen(title="Cantine bis")
    make_booking(
        family["lea"],
        service=service,
        tariff_option=meal,
        day=datetime.date(2030, 3, 20),
        status=BookingStatus.PENDING_PAYMENT,
        order_number="100777",
    )
    with time_machine.travel(AFTER, tick=False):
        response = close(logged_in(parent))

    assert response.status_code == 409
    assert any(
        "Une commande attend son paiement (n° 100777)" in r for r in response.json()["reasons"]
    )


def test_an_agent_cannot_close_their_own_account_from_the_parents_space():
    agent = AgentFactory(communes=[PartnerFactory(name="Aiguilhe")])

    response = close(logged_in(agent))

    assert response.status_code == 409
    assert "seul un administrateur de la plateforme peut le fermer" in response.json()["reasons"][0]
    assert User.objects.get(pk=agent.pk).is_active


def test_closure_with_a_wrong_password_is_refused_and_changes_nothing(family):
    with time_machine.travel(AFTER, tick=False):
        response = close(logged_in(family["parent"]), password="Pas-le-bon-1!")

    assert response.status_code == 400
    assert response.json() == {"password": ["Le mot de passe est incorrect."]}
    assert User.objects.get(pk=family["parent"].pk).is_active


# --- Closure: what goes, what stays -----------------------------------------------------------


def test_closure_anonymises_the_family_and_keeps_the_accounting_rows(family, neighbour):
    parent = family["parent"]
    CalendarFeed.objects.create(beneficiary=family["lea"])
    files = [d.file.path for d in AccessDocument.objects.filter(access__account=parent)]
    files.append(family["lea"].photo.path)
    before = accounting_rows()

    with time_machine.travel(AFTER, tick=False):
        client, other_device = logged_in(parent), logged_in(parent)
        response = close(client)
        assert client.get(ME).status_code in (401, 403)
        assert other_device.get(ME).status_code in (401, 403)

    assert response.status_code == 200, response.content
    assert "CF-" in response.json()["detail"]
    assert accounting_rows() == before
    parent.refresh_from_db()
    assert parent.email == f"compte-ferme-{parent.pk}@anonyme.invalid"
    assert (parent.first_name, parent.last_name, parent.birth_date) == ("", "", None)
    assert not parent.is_active and not parent.has_usable_password()
    for child in Beneficiary.objects.filter(account=parent):
        assert child.first_name == "Anonyme" and child.last_name == ""
        assert child.birth_date == closure.ERASED_BIRTH_DATE
        assert child.diet == ""
        assert not child.photo and child.archived_at is not None
    assert not AccessDocument.objects.filter(access__account=parent).exists()
    assert all(not os.path.exists(path) for path in files)
    access = ServiceAccess.objects.get(pk=family["access"].pk)
    assert access.reference_tax_income is None and access.tax_shares is None
    assert not CalendarFeed.objects.filter(beneficiary__account=parent).exists()
    assert not NotificationOptOut.objects.filter(account=parent).exists()
    # Still the family's: the orders, bookings, pots, card payments and receipts.
    assert Order.objects.get(pk=family["order"].pk).user_id == parent.pk
    assert RegieShare.objects.get().owner_id == parent.pk
    assert RegieShare.objects.get().status == ShareStatus.PAID
    assert LedgerAccount.objects.filter(owner=parent).exists()
    record = AccountClosure.objects.get(account=parent)
    assert record.closed_by == parent and record.erased["documents"] == 2
    # The neighbour is untouched.
    neighbour.refresh_from_db()
    assert neighbour.is_active and neighbour.email == "voisin@example.org"
    assert AccessDocument.objects.filter(access__account=neighbour).count() == 2


def test_after_closure_nobody_can_log_in_with_the_former_or_the_new_address(family):
    parent = family["parent"]
    with time_machine.travel(AFTER, tick=False):
        assert close(logged_in(parent)).status_code == 200

    parent.refresh_from_db()
    for email in ("claire.martin@example.org", parent.email):
        request = RequestFactory().post("/connexion/")
        assert authenticate(request, username=email, password=DEFAULT_PASSWORD) is None
        response = Client().post("/connexion/", {"email": email, "password": DEFAULT_PASSWORD})
        assert response.status_code != 302


def test_closure_is_confirmed_by_email_to_the_address_before_it_is_erased(family):
    with time_machine.travel(AFTER, tick=False):
        close(logged_in(family["parent"]))

    (message,) = mail.outbox
    assert message.to == ["claire.martin@example.org"]
    assert message.subject == "Votre compte Portail Famille est fermé"
    assert "Bonjour Claire Martin" in message.body
    assert f"CF-{family['parent'].pk:06d}" in message.body


def test_a_closure_that_fails_keeps_the_documents(family, monkeypatch):
    parent = family["parent"]
    files = [d.file.path for d in AccessDocument.objects.filter(access__account=parent)]

    def broken(account):
        raise RuntimeError("disk full")

    monkeypatch.setattr(closure, "_anonymise_account", broken)
    with time_machine.travel(AFTER, tick=False), pytest.raises(RuntimeError):
        closure.close_account(parent, password=DEFAULT_PASSWORD)

    assert AccessDocument.objects.filter(access__account=parent).count() == 2
    assert all(os.path.exists(path) for path in files)
    assert Beneficiary.objects.filter(account=parent, first_name="Léa").exists()


# --- « Mes données » in the parent's space ----------------------------------------------------


def test_the_my_data_page_offers_the_download_and_the_closure_and_says_what_blocks_it(family):
    with time_machine.travel(BEFORE, tick=False):
        response = logged_in(family["parent"]).get(PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Télécharger mes données" in page
    assert "Fermer mon compte" in page
    assert "réservation(s) à venir" in page


def test_the_my_data_page_downloads_the_archive(family):
    response = logged_in(family["parent"]).post(DOWNLOAD)

    assert response.status_code == 200
    assert data_of(archive_of(response))["account"]["email"] == "claire.martin@example.org"


def test_closing_from_the_page_needs_the_confirmation_and_the_password(family):
    with time_machine.travel(AFTER, tick=False):
        client = logged_in(family["parent"])
        unconfirmed = client.post(CLOSE_PAGE, {"password": DEFAULT_PASSWORD})
        wrong = client.post(CLOSE_PAGE, {"password": "Pas-le-bon-1!", "confirm": "on"})

    assert unconfirmed.status_code == 400
    assert wrong.status_code == 400
    assert "Le mot de passe est incorrect." in wrong.content.decode()
    assert User.objects.get(pk=family["parent"].pk).is_active


def test_closing_from_the_page_logs_out_and_says_goodbye(family):
    with time_machine.travel(AFTER, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        client = logged_in(family["parent"])
        response = client.post(CLOSE_PAGE, {"password": DEFAULT_PASSWORD, "confirm": "on"})
        assert client.get(PAGE).status_code == 302

    assert (response.status_code, response["Location"]) == (302, "/")
    (said,) = get_messages(response.wsgi_request)
    assert str(said).startswith("Votre compte est fermé (référence CF-")
    assert not User.objects.get(pk=family["parent"].pk).is_active


def test_a_refused_closure_from_the_page_lists_what_to_do(family):
    with time_machine.travel(BEFORE, tick=False):
        client = logged_in(family["parent"])
        response = client.post(CLOSE_PAGE, {"password": DEFAULT_PASSWORD, "confirm": "on"})

    assert response.status_code == 409
    assert "Votre compte ne peut pas encore être fermé" in response.content.decode()
    assert User.objects.get(pk=family["parent"].pk).is_active
