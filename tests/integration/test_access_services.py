"""Access to a service: asking with documents and tax figures, replacing a document, and the
agent's decisions, against PostgreSQL and a private storage under a temporary folder."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from reservations import access as access_services
from reservations.access import (
    accept_access,
    refuse_access,
    replace_document,
    request_access,
    request_new_document,
)
from reservations.exceptions import NotAnAgentOfThisCommune
from reservations.models import AccessEvent, AccessStatus, ServiceAccess
from tests.access_factories import (
    AccessBeneficiaryFactory,
    ask,
    executable_upload,
    make_option,
    oversized_pdf_upload,
    pdf_upload,
    png_upload,
    stored_files,
    use_private_root,
)
from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    ParentFactory,
    PartnerFactory,
    PendingParentFactory,
)

pytestmark = pytest.mark.django_db

RANDOM_NAME = re.compile(r"^documents/[0-9a-f]{32}\.(pdf|png|jpg)$")


@pytest.fixture(autouse=True)
def private_root(settings, monkeypatch, tmp_path):
    root = tmp_path / "private"
    use_private_root(settings, monkeypatch, root)
    return root


@pytest.fixture
def commune():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def option(commune):
    return make_option(commune)


@pytest.fixture
def parent():
    return ParentFactory(first_name="Claire", last_name="Martin")


@pytest.fixture
def agent(commune):
    return AgentFactory(communes=[commune], first_name="Agent", last_name="Rosières")


# --- Asking ----------------------------------------------------------------------------------


def test_request_access_stores_the_request_documents_quotient_and_first_event(
    parent, option, commune, private_root
):
    lea, hugo = AccessBeneficiaryFactory.create_batch(2, account=parent)

    access = request_access(
        account=parent,
        tariff_option=option,
        beneficiaries=[lea, hugo],
        documents={
            "proof_of_address": pdf_upload("domicile.pdf"),
            # PNG bytes under a PDF name: stored as what the content is.
            "family_quotient": png_upload("avis-imposition.pdf"),
        },
        reference_tax_income=Decimal("24000"),
        tax_shares=Decimal("2"),
    )

    access = ServiceAccess.objects.get(pk=access.pk)
    assert (access.account, access.tariff_option, access.commune) == (parent, option, commune)
    assert access.status == AccessStatus.PENDING
    assert set(access.beneficiaries.all()) == {lea, hugo}
    assert (access.reference_tax_income, access.tax_shares) == (Decimal("24000"), Decimal("2"))
    assert access.family_quotient == Decimal("1000.00")
    documents = {document.kind: document for document in access.documents.all()}
    assert set(documents) == {"proof_of_address", "family_quotient"}
    address, quotient = documents["proof_of_address"], documents["family_quotient"]
    assert (address.original_name, address.content_type, address.extension) == (
        "domicile.pdf",
        "application/pdf",
        ".pdf",
    )
    assert (quotient.original_name, quotient.content_type, quotient.extension) == (
        "avis-imposition.pdf",
        "image/png",
        ".png",
    )
    assert RANDOM_NAME.match(address.file.name) and address.file.name.endswith(".pdf")
    assert RANDOM_NAME.match(quotient.file.name) and quotient.file.name.endswith(".png")
    assert {path.relative_to(private_root).as_posix() for path in stored_files(private_root)} == {
        address.file.name,
        quotient.file.name,
    }
    assert address.size == (private_root / address.file.name).stat().st_size
    assert address.uploaded_by == parent
    assert [(event.status, event.actor) for event in access.events.all()] == [
        (AccessStatus.PENDING, parent)
    ]


def test_an_account_awaiting_validation_may_ask(option):
    pending = PendingParentFactory()

    access = ask(pending, option)

    assert access.status == AccessStatus.PENDING


@pytest.mark.parametrize("system", ["windows", "linux"])
def test_a_renamed_executable_is_refused_and_nothing_is_stored(
    parent, option, private_root, system
):
    with pytest.raises(ValidationError) as caught:
        ask(
            parent,
            option,
            documents={
                "proof_of_address": pdf_upload(),
                "family_quotient": executable_upload(system, name="avis.pdf"),
            },
        )

    assert "family_quotient" in caught.value.message_dict
    assert "n'est pas un PDF" in caught.value.message_dict["family_quotient"][0]
    assert not ServiceAccess.objects.exists()
    assert stored_files(private_root) == []


def test_a_pdf_over_10_mb_is_refused_and_nothing_is_stored(parent, option, private_root):
    with pytest.raises(ValidationError) as caught:
        ask(
            parent,
            option,
            documents={"proof_of_address": oversized_pdf_upload(), "family_quotient": pdf_upload()},
        )

    assert "10 Mo" in caught.value.message_dict["proof_of_address"][0]
    assert not ServiceAccess.objects.exists()
    assert stored_files(private_root) == []


def test_a_missing_required_document_is_refused(parent, option, private_root):
    with pytest.raises(ValidationError) as caught:
        ask(parent, option, documents={"proof_of_address": pdf_upload()})

    assert set(caught.value.message_dict) == {"family_quotient"}
    assert not ServiceAccess.objects.exists()
    assert stored_files(private_root) == []


def test_missing_tax_figures_are_refused_when_the_option_asks_for_them(parent, option):
    with pytest.raises(ValidationError) as caught:
        request_access(
            account=parent,
            tariff_option=option,
            beneficiaries=[AccessBeneficiaryFactory(account=parent)],
            documents={"proof_of_address": pdf_upload(), "family_quotient": pdf_upload()},
        )

    assert set(caught.value.message_dict) == {"reference_tax_income"}
    assert not ServiceAccess.objects.exists()


def test_an_option_without_requirements_asks_for_nothing(parent, commune):
    option = make_option(commune, option="Usager", documents=[], tax_figures=False)

    access = ask(parent, option, documents={}, income=None, shares=None)

    assert access.family_quotient is None
    assert not access.documents.exists()


@pytest.mark.parametrize(
    ("shares", "field"), [("1.3", "tax_shares"), ("0", "tax_shares"), ("-2", "tax_shares")]
)
def test_invalid_tax_shares_are_refused_on_their_field(parent, option, shares, field):
    with pytest.raises(ValidationError) as caught:
        ask(parent, option, shares=shares)

    assert set(caught.value.message_dict) == {field}
    assert not ServiceAccess.objects.exists()


def test_a_negative_income_is_refused_on_its_field(parent, option):
    with pytest.raises(ValidationError) as caught:
        ask(parent, option, income="-100")

    assert set(caught.value.message_dict) == {"reference_tax_income"}


def test_another_accounts_beneficiary_is_refused(parent, option):
    someone_elses = AccessBeneficiaryFactory()

    with pytest.raises(ValidationError) as caught:
        ask(parent, option, beneficiaries=[someone_elses])

    assert set(caught.value.message_dict) == {"beneficiaries"}
    assert not ServiceAccess.objects.exists()


def test_a_parent_product_is_not_an_option_one_can_ask(parent, option):
    with pytest.raises(ValidationError) as caught:
        ask(parent, option.parent)

    assert "tariff_option" in caught.value.message_dict


def test_a_second_active_request_for_the_same_option_is_refused(parent, option, private_root):
    ask(parent, option)
    files_before = stored_files(private_root)

    with pytest.raises(ValidationError) as caught:
        ask(parent, option)

    assert set(caught.value.message_dict) == {"tariff_option"}
    assert ServiceAccess.objects.count() == 1
    assert stored_files(private_root) == files_before


def test_a_request_that_loses_a_race_leaves_no_row_and_no_file(
    parent, option, private_root, monkeypatch
):
    first = ask(parent, option)
    files_before = stored_files(private_root)
    # As if a concurrent request had passed the check before the first one committed: the
    # database's unique constraint is what refuses it, and the stored files are removed.
    monkeypatch.setattr(access_services, "_has_active_request", lambda account, option: False)

    with pytest.raises(ValidationError) as caught:
        ask(parent, option)

    assert set(caught.value.message_dict) == {"tariff_option"}
    assert list(ServiceAccess.objects.all()) == [first]
    assert stored_files(private_root) == files_before


def test_asking_again_after_a_refusal_is_allowed(parent, option, agent):
    refused = ask(parent, option)
    refuse_access(refused, reason="Justificatif illisible.", by=agent)

    again = ask(parent, option)

    assert again.pk != refused.pk
    assert again.status == AccessStatus.PENDING


def test_two_accounts_may_ask_the_same_option(parent, option):
    ask(parent, option)

    ask(ParentFactory(), option)

    assert ServiceAccess.objects.filter(tariff_option=option).count() == 2


# --- Replacing a document --------------------------------------------------------------------


def test_replacing_a_document_keeps_the_old_one_marked_replaced(parent, option, private_root):
    access = ask(parent, option)
    old = access.documents.get(kind="proof_of_address")

    new = replace_document(access, kind="proof_of_address", upload=pdf_upload("new.pdf"), by=parent)

    old.refresh_from_db()
    assert old.replaced_at is not None
    assert new.replaced_at is None and new.original_name == "new.pdf"
    assert list(access.documents.filter(kind="proof_of_address", replaced_at__isnull=True)) == [new]
    assert len(stored_files(private_root)) == 3
    access.refresh_from_db()
    assert access.status == AccessStatus.PENDING
    assert access.events.last().message.startswith("Nouvelle pièce envoyée")


def test_replacing_a_requested_document_puts_the_request_back_to_pending(parent, option, agent):
    access = ask(parent, option)
    request_new_document(access, kind="family_quotient", message="Avis 2025.", by=agent)

    replace_document(access, kind="family_quotient", upload=pdf_upload(), by=parent)

    access.refresh_from_db()
    assert access.status == AccessStatus.PENDING
    assert [event.status for event in access.events.all()] == [
        AccessStatus.PENDING,
        AccessStatus.DOCUMENT_REQUESTED,
        AccessStatus.PENDING,
    ]


@pytest.mark.parametrize("decision", ["accept", "refuse"])
def test_documents_of_a_decided_request_cannot_be_replaced(
    parent, option, agent, private_root, decision
):
    access = ask(parent, option)
    if decision == "accept":
        accept_access(access, tariff_bracket="inf 399", by=agent)
    else:
        refuse_access(access, reason="Hors secteur.", by=agent)
    files_before = stored_files(private_root)

    with pytest.raises(ValidationError) as caught:
        replace_document(access, kind="proof_of_address", upload=pdf_upload(), by=parent)

    assert set(caught.value.message_dict) == {"file"}
    assert access.documents.filter(replaced_at__isnull=False).count() == 0
    assert stored_files(private_root) == files_before


def test_a_replacement_that_is_not_a_document_is_refused(parent, option, private_root):
    access = ask(parent, option)
    files_before = stored_files(private_root)

    with pytest.raises(ValidationError) as caught:
        replace_document(access, kind="proof_of_address", upload=executable_upload(), by=parent)

    assert set(caught.value.message_dict) == {"file"}
    assert stored_files(private_root) == files_before


# --- Decisions -------------------------------------------------------------------------------


def test_an_agent_of_the_commune_accepts_with_a_tariff_bracket_and_the_parent_is_told(
    parent, option, agent, django_capture_on_commit_callbacks
):
    access = ask(parent, option)

    with django_capture_on_commit_callbacks(execute=True):
        accept_access(access, tariff_bracket=" inf 399 ", by=agent)

    access.refresh_from_db()
    assert access.status == AccessStatus.ACCEPTED
    assert access.tariff_bracket == "inf 399"
    assert access.decided_by == agent and access.decided_at is not None
    assert access.events.last().status == AccessStatus.ACCEPTED
    assert access.events.last().actor == agent
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [parent.email]
    assert "Cantine de Rosières" in mail.outbox[0].subject
    assert "inf 399" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("commune_name", "written"),
    [("Rosières", "de Rosières a évolué"), ("Aiguilhe", "d'Aiguilhe a évolué")],
)
def test_the_decision_email_elides_de_before_the_communes_vowel(
    parent, option, agent, commune, commune_name, written, django_capture_on_commit_callbacks
):
    commune.name = commune_name
    commune.save()
    access = ask(parent, option)

    with django_capture_on_commit_callbacks(execute=True):
        accept_access(access, tariff_bracket="inf 399", by=agent)

    assert written in mail.outbox[0].body


def test_an_agent_of_the_commune_refuses_with_a_reason_and_the_parent_is_told(
    parent, option, agent, django_capture_on_commit_callbacks
):
    access = ask(parent, option)

    with django_capture_on_commit_callbacks(execute=True):
        refuse_access(access, reason="Vous n'habitez pas la commune.", by=agent)

    access.refresh_from_db()
    assert access.status == AccessStatus.REFUSED
    assert access.refusal_reason == "Vous n'habitez pas la commune."
    assert access.decided_by == agent
    assert len(mail.outbox) == 1
    assert "Vous n'habitez pas la commune." in mail.outbox[0].body


def test_an_agent_asks_for_a_new_document_and_the_parent_is_told(
    parent, option, agent, django_capture_on_commit_callbacks
):
    access = ask(parent, option)

    with django_capture_on_commit_callbacks(execute=True):
        request_new_document(access, kind="family_quotient", message="Avis 2025 svp.", by=agent)

    access.refresh_from_db()
    assert access.status == AccessStatus.DOCUMENT_REQUESTED
    assert access.decided_at is None and access.decided_by is None
    assert "Attestation de quotient familial" in access.events.last().message
    assert len(mail.outbox) == 1
    assert "Avis 2025 svp." in mail.outbox[0].body


def test_no_mail_leaves_before_the_decision_commits(parent, option, agent):
    access = ask(parent, option)

    accept_access(access, tariff_bracket="A", by=agent)

    # The test's transaction never commits: the e-mail task was never started.
    assert mail.outbox == []


DECISIONS = {
    "accept": lambda access, by: accept_access(access, tariff_bracket="A", by=by),
    "refuse": lambda access, by: refuse_access(access, reason="Non.", by=by),
    "request_new_document": lambda access, by: request_new_document(
        access, kind="other", message="", by=by
    ),
}


@pytest.mark.parametrize("decision", DECISIONS)
def test_an_agent_of_another_commune_may_not_decide(
    parent, option, decision, django_capture_on_commit_callbacks
):
    access = ask(parent, option)
    elsewhere = AgentFactory(communes=[PartnerFactory(name="Aiguilhe")])

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(NotAnAgentOfThisCommune):
            DECISIONS[decision](access, elsewhere)

    access.refresh_from_db()
    assert access.status == AccessStatus.PENDING
    assert AccessEvent.objects.filter(access=access).count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize("decision", DECISIONS)
def test_a_parent_may_not_decide_even_on_their_own_request(parent, option, decision):
    access = ask(parent, option)

    with pytest.raises(NotAnAgentOfThisCommune):
        DECISIONS[decision](access, parent)

    access.refresh_from_db()
    assert access.status == AccessStatus.PENDING


@pytest.mark.parametrize("first", ["accept", "refuse"])
@pytest.mark.parametrize("second", DECISIONS)
def test_deciding_twice_is_refused(parent, option, agent, first, second):
    access = ask(parent, option)
    DECISIONS[first](access, agent)
    status = ServiceAccess.objects.get(pk=access.pk).status

    with pytest.raises(ValidationError):
        DECISIONS[second](access, agent)

    assert ServiceAccess.objects.get(pk=access.pk).status == status
    assert access.events.count() == 2


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_refusal_without_a_reason_is_refused(parent, option, agent, reason):
    access = ask(parent, option)

    with pytest.raises(ValidationError) as caught:
        refuse_access(access, reason=reason, by=agent)

    assert set(caught.value.message_dict) == {"reason"}
    access.refresh_from_db()
    assert access.status == AccessStatus.PENDING


def test_an_acceptance_without_words_grants_the_bracket_the_services_grid_gives_its_quotient(
    parent, option, agent
):
    from reservations.models import TariffGrid, TariffRow

    grid = TariffGrid.objects.create(service=option.parent)
    for low, high, price in ((None, "700", "2.00"), ("700", None, "3.50")):
        TariffRow.objects.create(
            grid=grid,
            category="child",
            family_quotient_min=low and Decimal(low),
            family_quotient_max=high and Decimal(high),
            unit_price=Decimal(price),
        )
    access = ask(parent, option)  # 24 000 € and 2 shares: a quotient of 1 000,00 €

    accept_access(access, tariff_bracket=" ", by=agent)

    access.refresh_from_db()
    assert access.family_quotient == Decimal("1000.00")
    assert access.tariff_bracket.startswith("QF à partir de 700")


def test_figures_corrected_without_a_reason_are_refused_and_change_nothing(parent, option, agent):
    access = ask(parent, option)

    with pytest.raises(ValidationError) as caught:
        accept_access(access, by=agent, family_quotient=Decimal("450.00"))

    assert set(caught.value.message_dict) == {"correction_reason"}
    access.refresh_from_db()
    assert (access.status, access.family_quotient) == (AccessStatus.PENDING, Decimal("1000.00"))


def test_corrected_figures_are_kept_with_their_reason_in_the_requests_history(
    parent, option, agent
):
    access = ask(parent, option)

    accept_access(
        access,
        by=agent,
        reference_tax_income=Decimal("18000"),
        tax_shares=Decimal("2.5"),
        correction_reason="Avis d'imposition 2026 fourni à l'accueil",
    )

    access.refresh_from_db()
    # 18 000 / 12 / 2.5: the quotient follows the corrected figures.
    assert (access.reference_tax_income, access.tax_shares, access.family_quotient) == (
        Decimal("18000.00"),
        Decimal("2.50"),
        Decimal("600.00"),
    )
    event = access.events.get(status=AccessStatus.ACCEPTED)
    assert event.actor == agent
    assert "Avis d'imposition 2026 fourni à l'accueil" in event.message
    assert "QF 1000.00 → 600.00" in event.message


def test_an_administrator_may_decide_for_any_commune(parent, option):
    access = ask(parent, option)

    accept_access(access, tariff_bracket="B", by=AdministratorFactory())

    access.refresh_from_db()
    assert access.status == AccessStatus.ACCEPTED
