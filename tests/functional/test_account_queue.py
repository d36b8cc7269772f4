"""The agents' validation queue: parents only, oldest first, a detail page, "Valider" and
"Refuser" with a reason the family receives by e-mail; scoped to the agent's communes."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.exceptions import NotAllowedToValidate
from accounts.services import refusal_reason, refuse_account
from reservations.dashboard.selectors import account_refusals, accounts_awaiting_validation
from reservations.models import AccessDocument, Beneficiary, ServiceAccess
from tests.factories import AgentFactory, OfficerFactory, PartnerFactory, PendingParentFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

ACCOUNTS = "/dashboard/familles/comptes/"


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def bains():
    return PartnerFactory(name="Bains")


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres])


def ask(account, commune, title):
    _service, (option,) = make_service(commune, title, {f"Repas {title}": "3.30"})
    return ServiceAccess.objects.create(account=account, tariff_option=option, commune=commune)


def test_the_queue_lists_parents_only_oldest_first(client, agent, rosieres):
    now = timezone.now()
    newer = PendingParentFactory(last_name="Récent", date_joined=now)
    older = PendingParentFactory(last_name="Ancien", date_joined=now - timedelta(days=3))
    AgentFactory(communes=[rosieres], validated_at=None, last_name="Collègue")
    OfficerFactory(validated_at=None, last_name="Rédacteur")
    client.force_login(agent)

    response = client.get(ACCOUNTS)

    listed = [account.pk for account in response.context["accounts"].data]
    assert listed == [older.pk, newer.pk]


def test_the_detail_page_shows_the_profile_children_requests_and_documents(
    client, agent, rosieres, bains
):
    parent = PendingParentFactory(first_name="Inès", last_name="Moreau")
    Beneficiary.objects.create(
        account=parent,
        first_name="Léo",
        last_name="Moreau",
        birth_date=date(2019, 2, 1),
        relation="mere",
    )
    ours = ask(parent, rosieres, "Cantine de Rosières")
    AccessDocument.objects.create(
        access=ours, kind="proof_of_address", file="x/avis.pdf", original_name="avis.pdf", size=10
    )
    ask(parent, bains, "Cantine de Bains")
    client.force_login(agent)

    response = client.get(f"{ACCOUNTS}{parent.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Inès Moreau" in html and parent.email in html
    assert "Léo Moreau" in html
    assert f"/dashboard/familles/demandes/{ours.pk}/" in html
    assert "avis.pdf" in html
    assert "Cantine de Bains" in html and "Examinée par une autre commune" in html


def test_refusing_needs_a_reason_and_mails_it_and_the_account_still_cannot_book(
    client, agent, django_capture_on_commit_callbacks
):
    parent = PendingParentFactory()
    client.force_login(agent)

    empty = client.post(f"{ACCOUNTS}{parent.pk}/refuser/", {"reason": "  "})
    assert empty.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{ACCOUNTS}{parent.pk}/refuser/", {"reason": "Justificatif de domicile illisible."}
        )

    assert response.status_code == 302
    parent.refresh_from_db()
    assert not parent.is_validated
    (message,) = mail.outbox
    assert message.to == [parent.email]
    assert "Justificatif de domicile illisible." in message.body
    assert not accounts_awaiting_validation(agent).filter(pk=parent.pk).exists()
    assert accounts_awaiting_validation(agent, refused=True).filter(pk=parent.pk).exists()
    detail = client.get(f"{ACCOUNTS}{parent.pk}/").content.decode()
    assert "Justificatif de domicile illisible." in detail and str(agent) in detail


def test_a_refused_account_can_be_validated_later(client, agent):
    parent = PendingParentFactory()
    refuse_account(parent, refused_by=agent, reason="Pièce manquante.")
    client.force_login(agent)

    client.post(f"{ACCOUNTS}{parent.pk}/valider/")

    parent.refresh_from_db()
    assert parent.is_validated and parent.validated_by == agent


def test_another_communes_parent_is_a_404(client, agent, bains):
    theirs = PendingParentFactory()
    ask(theirs, bains, "Cantine de Bains")
    client.force_login(agent)

    assert client.get(f"{ACCOUNTS}{theirs.pk}/").status_code == 404
    assert client.post(f"{ACCOUNTS}{theirs.pk}/refuser/", {"reason": "Non."}).status_code == 404
    assert client.post(f"{ACCOUNTS}{theirs.pk}/valider/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_validated


def test_an_agent_is_never_in_the_queue_nor_refusable(client, agent, rosieres):
    colleague = AgentFactory(communes=[rosieres], validated_at=None)
    client.force_login(agent)

    assert client.get(f"{ACCOUNTS}{colleague.pk}/").status_code == 404
    assert client.post(f"{ACCOUNTS}{colleague.pk}/refuser/", {"reason": "x"}).status_code == 404


def test_a_validated_account_cannot_be_refused(agent):
    parent = PendingParentFactory(validated_at=timezone.now())

    with pytest.raises(ValidationError) as error:
        refuse_account(parent, refused_by=agent, reason="Trop tard.")

    assert "reason" in error.value.error_dict
    assert not account_refusals().exists()


def test_only_someone_who_validates_accounts_may_refuse_one():
    parent = PendingParentFactory()
    someone = PendingParentFactory()

    with pytest.raises(NotAllowedToValidate):
        refuse_account(parent, refused_by=someone, reason="Non.")

    assert not account_refusals().exists()
    assert mail.outbox == []


def test_the_refusal_records_who_when_and_why(agent):
    parent = PendingParentFactory()

    entry = refuse_account(parent, refused_by=agent, reason="  Pièce manquante.  ")

    (recorded,) = account_refusals().filter(object_id=str(parent.pk))
    assert recorded == entry and recorded.user == agent and recorded.action_time
    assert refusal_reason(recorded.change_message) == "Pièce manquante."
