"""The seeds' journey (steps 1–3) end to end through the API and the agent's dashboard:
register → awaiting validation → the agent validates → two children → access to Rosières'
canteen with documents and tax figures → the agent accepts → "Acceptée" in "Mes services"."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from reservations.models import AccessStatus, ServiceAccess
from tests.access_factories import make_option, pdf_upload, png_upload
from tests.factories import AgentFactory, PartnerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Rosieres-Cantine-2026!"


@pytest.fixture
def rosieres():
    commune = PartnerFactory(name="Rosières", code="rosieres")
    canteen_for_children = make_option(commune)
    return commune, canteen_for_children


def test_a_family_gets_access_to_the_rosieres_canteen(
    rosieres, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    commune, _ = rosieres
    parent, agent = Client(), Client()
    agent.force_login(AgentFactory(communes=[commune]))

    with django_capture_on_commit_callbacks(execute=True):
        # 1. "Créer un compte": the account waits for the commune.
        registered = parent.post(
            "/api/accounts/register/",
            {
                "email": "sophie.lambert@example.org",
                "civility": "MME",
                "first_name": "Sophie",
                "last_name": "Lambert",
                "password": PASSWORD,
                "accept_terms": True,
            },
            content_type="application/json",
        )
        assert registered.status_code == 201, registered.content
        account = User.objects.get(email="sophie.lambert@example.org")
        assert not account.is_validated
        refused = parent.post("/api/checkout/", {}, content_type="application/json")
        assert refused.status_code == 403

        # 2. The agent of Rosières finds the account in "Comptes à valider" and validates it.
        queue = agent.get("/dashboard/familles/comptes/")
        assert "sophie.lambert@example.org" in queue.content.decode()
        validated = agent.post(f"/dashboard/familles/comptes/{account.pk}/valider/")
        assert validated.status_code == 302
        account.refresh_from_db()
        assert account.is_validated

        # 3. "Mes filiations": two children.
        children = [
            parent.post(
                "/api/beneficiaries/",
                {
                    "last_name": "Lambert",
                    "first_name": first_name,
                    "birth_date": birth_date,
                    "relation": "mere",
                    "school_class": school_class,
                },
                content_type="application/json",
            )
            for first_name, birth_date, school_class in [
                ("Emma", "2017-05-02", "CE2"),
                ("Noé", "2019-11-20", "CP"),
            ]
        ]
        assert [child.status_code for child in children] == [201, 201]
        child_ids = [child.json()["id"] for child in children]

        # 4. "Mes services": the option of the catalogue, asked for both with documents.
        catalogue = parent.get("/api/services/", {"commune": "rosieres"}).json()
        option = catalogue[0]["services"][0]["options"][0]
        assert option["title"] == "Réservation cantine pour enfants"
        assert {d["code"] for d in option["required_documents"]} == {
            "proof_of_address",
            "family_quotient",
        }
        asked = parent.post(
            "/api/access-requests/",
            {
                "tariff_option": option["id"],
                "beneficiaries": child_ids,
                "proof_of_address": pdf_upload("domicile.pdf"),
                "family_quotient": png_upload("avis-imposition.png"),
                "reference_tax_income": "27 000",
                "tax_shares": "2,5",
            },
        )
        assert asked.status_code == 201, asked.content
        access = ServiceAccess.objects.get(account=account)
        assert access.family_quotient == Decimal("900.00")  # 27 000 / 12 / 2.5

        # 5. The agent reads the documents and accepts with a bracket.
        detail = agent.get(f"/dashboard/familles/demandes/{access.pk}/")
        assert "Emma" in detail.content.decode()
        document = access.documents.get(kind="proof_of_address")
        download = agent.get(f"/api/access-requests/{access.pk}/documents/{document.pk}/")
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"%PDF")
        accepted = agent.post(
            f"/dashboard/familles/demandes/{access.pk}/accepter/",
            {"tariff_bracket": "QF de 700 à 1 000 €"},
        )
        assert accepted.status_code == 302

    # 6. The parent's "Mes services" shows what the seed's table shows.
    requests = parent.get("/api/access-requests/").json()
    assert len(requests) == 1
    mine = requests[0]
    assert mine["label"] == "Rosières / Réservation cantine pour enfants"
    assert (mine["status"], mine["status_label"]) == (AccessStatus.ACCEPTED, "Acceptée")
    assert mine["tariff_bracket"] == "QF de 700 à 1 000 €"
    assert [event["status"] for event in mine["events"]] == ["pending", "accepted"]

    # E-mails: created (awaiting validation), validated, access decided.
    assert [message.to for message in mail.outbox] == [[account.email]] * 3
    subjects = " | ".join(message.subject for message in mail.outbox)
    assert "validé" in subjects
    assert "demande d'accès" in subjects
