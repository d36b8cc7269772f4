"""The accounts API: registration, e-mail and password changes, forgotten password, and login and
logout from a browser client that sends the CSRF token."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.test import Client
from django.utils import timezone

from accounts import roles, services
from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, ParentFactory, PendingParentFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NEW_PASSWORD = "Autre-Cheval-73?"
REGISTER = "/api/accounts/register/"
ME = "/api/accounts/me/"
CHANGE_EMAIL = "/api/accounts/me/email/"
CHANGE_PASSWORD = "/api/accounts/me/password/"
RESET = "/api/accounts/password-reset/"
RESET_CONFIRM = "/api/accounts/password-reset/confirm/"
CSRF = "/api/accounts/csrf/"
LOGIN = "/api/login/"

POLICY_MESSAGES = {
    "Le mot de passe doit contenir au moins 12 caractères.",
    "Le mot de passe doit contenir au moins un chiffre.",
    "Le mot de passe doit contenir au moins une majuscule.",
    "Le mot de passe doit contenir au moins un caractère spécial (par exemple ! ? # @ -).",
}


@pytest.fixture(autouse=True)
def _throttles_start_from_zero():
    """Throttles count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST JSON and deliver the e-mails queued on commit, so that they reach mail.outbox."""

    def post(path, data, *, client=client, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, content_type="application/json", **extra)

    return post


def registration(**overrides):
    return {
        "email": "claire.martin@example.org",
        "civility": "MME",
        "first_name": "Claire",
        "last_name": "Martin",
        "birth_date": "1986-04-12",
        "newsletter": True,
        "is_company": False,
        "password": DEFAULT_PASSWORD,
        "accept_terms": True,
        **overrides,
    }


def without(field):
    data = registration()
    del data[field]
    return data


def reset_link_of(message) -> dict[str, str]:
    link = next(word for word in message.body.split() if "/mot-de-passe/nouveau/" in word)
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def is_logged_in(client) -> bool:
    return client.get(ME).status_code == 200


# --- Registration ---------------------------------------------------------------------------


def test_registration_creates_an_account_awaiting_validation_and_logs_it_in(client, post):
    response = post(REGISTER, registration())

    assert response.status_code == 201, response.content
    assert response.json() | {"terms_accepted_at": None} == {
        "email": "claire.martin@example.org",
        "civility": "MME",
        "first_name": "Claire",
        "last_name": "Martin",
        "birth_date": "1986-04-12",
        "newsletter": True,
        "is_company": False,
        "terms_accepted_at": None,
        "is_validated": False,
        "validated_at": None,
    }
    account = User.objects.get(email="claire.martin@example.org")
    assert account.validated_at is None
    assert abs(account.terms_accepted_at - timezone.now()) < timedelta(minutes=1)
    assert account.check_password(DEFAULT_PASSWORD)
    assert list(account.groups.values_list("name", flat=True)) == [roles.PARENTS]
    assert is_logged_in(client)


def test_registration_emails_the_new_account_that_it_awaits_validation(post):
    post(REGISTER, registration(last_name="N'Diaye"))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["claire.martin@example.org"]
    assert message.subject == "Votre compte a été créé — en attente de validation"
    assert "Bonjour Claire N'Diaye," in message.body
    assert "en attente de\nvalidation par la mairie" in message.body


def test_registration_needs_only_the_starred_fields_of_the_seed_form(post):
    data = {
        key: registration()[key]
        for key in ("email", "first_name", "last_name", "password", "accept_terms")
    }

    response = post(REGISTER, data)

    assert response.status_code == 201, response.content
    account = User.objects.get()
    assert (account.civility, account.birth_date, account.newsletter) == ("", None, False)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (registration(email="pas-une-adresse"), "email", "Saisissez une adresse e-mail valide."),
        (without("email"), "email", "Champ requis."),
        (
            registration(email="Existing.Parent@EXAMPLE.org"),
            "email",
            services.EMAIL_TAKEN,
        ),
        (
            registration(password="girafeverte"),
            "password",
            "Le mot de passe doit contenir au moins 12 caractères.",
        ),
        (
            registration(last_name="Vandenbroucke", password="Vandenbroucke1!"),
            "password",
            "Le mot de passe est trop semblable au champ «\xa0Nom\xa0».",
        ),
        (
            registration(accept_terms=False),
            "accept_terms",
            "Vous devez accepter les conditions générales et la politique de confidentialité.",
        ),
        (without("accept_terms"), "accept_terms", "Champ requis."),
        (
            registration(birth_date="2999-01-01"),
            "birth_date",
            "La date de naissance ne peut pas être future.",
        ),
        (registration(first_name=""), "first_name", "Ce champ ne peut être vide."),
        (without("first_name"), "first_name", "Champ requis."),
        (registration(last_name="   "), "last_name", "Ce champ ne peut être vide."),
        (without("last_name"), "last_name", "Champ requis."),
        (
            registration(civility="Dr"),
            "civility",
            "«\xa0Dr\xa0» n'est pas un choix valide.",
        ),
    ],
    ids=[
        "bad e-mail",
        "no e-mail",
        "e-mail taken in another case",
        "weak password",
        "password like the name",
        "terms refused",
        "terms missing",
        "birth date in the future",
        "blank first name",
        "no first name",
        "blank last name",
        "no last name",
        "unknown civility",
    ],
)
def test_an_invalid_registration_is_refused_and_creates_nothing(client, post, data, field, message):
    ParentFactory(email="existing.parent@example.org")
    accounts_before = User.objects.count()

    response = post(REGISTER, data)

    assert response.status_code == 400
    assert str(message) in response.json()[field]
    assert User.objects.count() == accounts_before
    assert mail.outbox == []
    assert not is_logged_in(client)


def test_a_weak_password_gets_every_unmet_rule_of_the_policy(post):
    response = post(REGISTER, registration(password="girafeverte"))

    assert response.status_code == 400
    assert set(response.json()["password"]) == POLICY_MESSAGES


def test_an_invalid_registration_lists_every_field_to_correct_at_once(post):
    data = registration(first_name="", birth_date="2999-01-01", password="court", accept_terms=0)
    del data["last_name"]

    response = post(REGISTER, data)

    assert response.status_code == 400
    assert set(response.json()) == {
        "first_name",
        "last_name",
        "birth_date",
        "password",
        "accept_terms",
    }
    assert not User.objects.exists()


def test_registering_while_logged_in_is_refused(client, post):
    client.force_login(ParentFactory())

    response = post(REGISTER, registration())

    assert response.status_code == 403
    assert "déjà connecté" in response.json()["detail"]
    assert not User.objects.filter(email="claire.martin@example.org").exists()


def test_two_registrations_racing_for_one_email_end_in_a_field_error(monkeypatch):
    """The database constraint decides when both requests passed the check before either saved."""
    ParentFactory(email="claire.martin@example.org")
    monkeypatch.setattr(services, "email_is_taken", lambda email, **kwargs: False)

    with pytest.raises(ValidationError) as refused:
        services.register_account(
            email="CLAIRE.MARTIN@example.org",
            password=DEFAULT_PASSWORD,
            first_name="Claire",
            last_name="Martin",
            terms_accepted=True,
        )

    assert refused.value.message_dict == {"email": [str(services.EMAIL_TAKEN)]}
    assert (
        User.objects.annotate(e=Lower("email")).filter(e="claire.martin@example.org").count() == 1
    )


# --- E-mail and password changes ------------------------------------------------------------


@pytest.fixture
def parent(client):
    parent = ParentFactory(email="claire.martin@example.org", first_name="Claire")
    client.force_login(parent)
    return parent


def test_changing_the_email_with_the_current_password_notifies_the_former_address(
    client, post, parent
):
    response = post(
        CHANGE_EMAIL,
        {"new_email": "claire@nouvelle-adresse.fr", "current_password": DEFAULT_PASSWORD},
    )

    assert response.status_code == 200, response.content
    assert response.json()["email"] == "claire@nouvelle-adresse.fr"
    parent.refresh_from_db()
    assert parent.email == "claire@nouvelle-adresse.fr"
    assert [message.to for message in mail.outbox] == [["claire.martin@example.org"]]
    assert "claire@nouvelle-adresse.fr" in mail.outbox[0].body
    assert is_logged_in(client)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"new_email": "claire@nouvelle-adresse.fr", "current_password": "Wrong-Password-1!"},
            "current_password",
            "Le mot de passe actuel est incorrect.",
        ),
        (
            {"new_email": "Existing.Parent@Example.ORG", "current_password": DEFAULT_PASSWORD},
            "new_email",
            str(services.EMAIL_TAKEN),
        ),
        (
            {"new_email": "pas-une-adresse", "current_password": DEFAULT_PASSWORD},
            "new_email",
            "Saisissez une adresse e-mail valide.",
        ),
        ({"new_email": "claire@nouvelle-adresse.fr"}, "current_password", "Champ requis."),
    ],
    ids=["wrong current password", "e-mail taken in another case", "bad e-mail", "no password"],
)
def test_an_invalid_email_change_is_refused_and_changes_nothing(post, parent, data, field, message):
    ParentFactory(email="existing.parent@example.org")

    response = post(CHANGE_EMAIL, data)

    assert response.status_code == 400
    assert message in response.json()[field]
    parent.refresh_from_db()
    assert parent.email == "claire.martin@example.org"
    assert mail.outbox == []


def test_changing_the_password_keeps_this_session_ends_the_others_and_emails_the_holder(
    client, post, parent
):
    other_device = Client()
    other_device.force_login(parent)

    response = post(
        CHANGE_PASSWORD, {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"detail": "Votre mot de passe a été modifié."}
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert is_logged_in(client)
    assert not is_logged_in(other_device)
    assert [message.to for message in mail.outbox] == [["claire.martin@example.org"]]
    assert mail.outbox[0].subject == "Votre mot de passe Portail Famille a été modifié"


@pytest.mark.parametrize(
    ("data", "field", "messages"),
    [
        (
            {"current_password": "Wrong-Password-1!", "new_password": NEW_PASSWORD},
            "current_password",
            {"Le mot de passe actuel est incorrect."},
        ),
        (
            {"current_password": DEFAULT_PASSWORD, "new_password": "girafeverte"},
            "new_password",
            POLICY_MESSAGES,
        ),
        ({"current_password": DEFAULT_PASSWORD}, "new_password", {"Champ requis."}),
    ],
    ids=["wrong current password", "weak new password", "no new password"],
)
def test_an_invalid_password_change_is_refused_and_changes_nothing(
    client, post, parent, data, field, messages
):
    response = post(CHANGE_PASSWORD, data)

    assert response.status_code == 400
    assert set(response.json()[field]) == messages
    parent.refresh_from_db()
    assert parent.check_password(DEFAULT_PASSWORD)
    assert mail.outbox == []
    assert is_logged_in(client)


def test_an_anonymous_visitor_cannot_change_an_email_or_a_password(post):
    for path in (CHANGE_EMAIL, CHANGE_PASSWORD):
        assert post(path, {}).status_code == 403


# --- Forgotten password ---------------------------------------------------------------------


def test_the_reset_answer_is_the_same_whether_or_not_the_account_exists(post):
    ParentFactory(email="claire.martin@example.org")

    unknown = post(RESET, {"email": "personne@example.org"})
    assert mail.outbox == []
    known = post(RESET, {"email": "claire.martin@example.org"})

    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert known.status_code == 200
    assert "Si un compte existe avec cette adresse" in known.json()["detail"]
    assert [message.to for message in mail.outbox] == [["claire.martin@example.org"]]


def test_the_reset_link_opens_the_front_end_page_and_goes_to_the_stored_address(post, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://famille.example.fr/"
    ParentFactory(email="claire.martin@example.org")

    post(RESET, {"email": "  Claire.Martin@EXAMPLE.ORG "})

    message = mail.outbox[0]
    assert message.to == ["claire.martin@example.org"]
    assert "https://famille.example.fr/mot-de-passe/nouveau/?uid=" in message.body
    assert set(reset_link_of(message)) == {"uid", "token"}
    assert "2 heures" in message.body


def test_no_reset_link_for_an_inactive_account(post):
    ParentFactory(email="claire.martin@example.org", is_active=False)

    response = post(RESET, {"email": "claire.martin@example.org"})

    assert response.status_code == 200
    assert mail.outbox == []


def test_a_reset_link_sets_the_new_password_once(client, post):
    parent = ParentFactory(email="claire.martin@example.org")
    post(RESET, {"email": parent.email})
    link = reset_link_of(mail.outbox[0])

    first = post(RESET_CONFIRM, {**link, "new_password": NEW_PASSWORD})
    second = post(RESET_CONFIRM, {**link, "new_password": "Encore-Autre-99!"})

    assert first.status_code == 200, first.content
    assert "Vous pouvez maintenant vous connecter" in first.json()["detail"]
    assert second.status_code == 400
    assert second.json()["token"][0].startswith("Ce lien n'est plus valide")
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    login = post(LOGIN, {"username": parent.email, "password": NEW_PASSWORD})
    assert login.status_code == 200
    assert mail.outbox[-1].subject == "Votre mot de passe Portail Famille a été modifié"


@pytest.mark.parametrize(
    ("elapsed", "accepted"),
    [(timedelta(hours=1, minutes=59), True), (timedelta(hours=2, minutes=1), False)],
    ids=["1 h 59 later", "2 h 01 later"],
)
def test_a_reset_link_expires_after_two_hours(post, elapsed, accepted):
    parent = ParentFactory()
    sent_at = datetime(2026, 11, 22, 8, 0, tzinfo=PARIS)
    with time_machine.travel(sent_at, tick=False):
        post(RESET, {"email": parent.email})
    link = reset_link_of(mail.outbox[0])

    with time_machine.travel(sent_at + elapsed, tick=False):
        response = post(RESET_CONFIRM, {**link, "new_password": NEW_PASSWORD})

    assert (response.status_code == 200) is accepted
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD) is accepted
    if not accepted:
        assert response.json()["token"][0].startswith("Ce lien n'est plus valide")


def test_the_new_password_must_follow_the_policy_and_the_link_still_works_after(post):
    parent = ParentFactory()
    post(RESET, {"email": parent.email})
    link = reset_link_of(mail.outbox[0])

    weak = post(RESET_CONFIRM, {**link, "new_password": "girafeverte"})
    strong = post(RESET_CONFIRM, {**link, "new_password": NEW_PASSWORD})

    assert weak.status_code == 400
    assert set(weak.json()["new_password"]) == POLICY_MESSAGES
    assert strong.status_code == 200


@pytest.mark.parametrize(
    "link",
    [
        {"uid": "MQ", "token": "forged-token"},
        {"uid": "not base64!", "token": "forged-token"},
        {"uid": "OTk5OTk5OTk5", "token": "forged-token"},
    ],
    ids=["forged token", "garbage uid", "unknown account"],
)
def test_a_forged_reset_link_is_refused(post, link):
    ParentFactory()

    response = post(RESET_CONFIRM, {**link, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert response.json()["token"][0].startswith("Ce lien n'est plus valide")


def test_a_reset_link_stops_working_once_the_holder_logs_in(post):
    """The token hashes the last login: a link left in a mailbox dies at the next login."""
    parent = ParentFactory()
    post(RESET, {"email": parent.email})
    link = reset_link_of(mail.outbox[0])
    login = post(LOGIN, {"username": parent.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 200

    response = Client().post(
        RESET_CONFIRM, {**link, "new_password": NEW_PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 400
    parent.refresh_from_db()
    assert parent.check_password(DEFAULT_PASSWORD)


def test_resetting_the_password_lifts_a_login_lockout(post):
    parent = ParentFactory()
    for _ in range(5):
        post(LOGIN, {"username": parent.email, "password": "Wrong-Password-1!"})
    assert post(LOGIN, {"username": parent.email, "password": DEFAULT_PASSWORD}).status_code == 429

    post(RESET, {"email": parent.email})
    post(RESET_CONFIRM, {**reset_link_of(mail.outbox[0]), "new_password": NEW_PASSWORD})

    assert post(LOGIN, {"username": parent.email, "password": NEW_PASSWORD}).status_code == 200


def test_reset_requests_are_throttled_per_address(post):
    for _ in range(10):
        assert post(RESET, {"email": "personne@example.org"}).status_code == 200

    assert post(RESET, {"email": "personne@example.org"}).status_code == 429


def test_a_signed_in_account_counts_against_the_reset_limit_too(client, post):
    """DRF's anonymous throttle lets signed-in visitors through: any account could flood a
    mailbox through the API otherwise."""
    client.force_login(ParentFactory())
    for _ in range(10):
        assert post(RESET, {"email": "personne@example.org"}).status_code == 200

    assert post(RESET, {"email": "personne@example.org"}).status_code == 429


# --- Browser client: CSRF, login and logout -------------------------------------------------


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def csrf_header(browser) -> dict[str, str]:
    return {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value}


def test_the_csrf_endpoint_sets_the_cookie_and_returns_the_token(browser):
    response = browser.get(CSRF)

    assert response.status_code == 200
    token = response.json()["csrfToken"]
    assert token
    assert "csrftoken" in response.cookies


def test_a_browser_client_logs_in_and_out_with_the_csrf_token(browser, post):
    parent = ParentFactory()
    credentials = {"username": parent.email, "password": DEFAULT_PASSWORD}
    token = browser.get(CSRF).json()["csrfToken"]

    login = post(LOGIN, credentials, client=browser, HTTP_X_CSRFTOKEN=token)
    assert login.status_code == 200, login.content
    assert is_logged_in(browser)

    # Logging in rotates the token: a browser client reads the cookie again.
    assert browser.delete(LOGIN).status_code == 403
    assert is_logged_in(browser)
    logout = browser.delete(LOGIN, **csrf_header(browser))
    assert logout.status_code == 200
    assert not is_logged_in(browser)


def test_a_browser_login_without_the_csrf_token_is_refused(browser, post):
    parent = ParentFactory()
    browser.get(CSRF)

    response = post(LOGIN, {"username": parent.email, "password": DEFAULT_PASSWORD}, client=browser)

    assert response.status_code == 403
    assert not is_logged_in(browser)


def test_a_browser_registration_needs_the_csrf_token(browser, post):
    browser.get(CSRF)

    refused = post(REGISTER, registration(), client=browser)
    assert refused.status_code == 403
    assert "X-CSRFToken" in refused.json()["detail"]
    assert not User.objects.exists()

    accepted = post(REGISTER, registration(), client=browser, **csrf_header(browser))
    assert accepted.status_code == 201, accepted.content
    assert is_logged_in(browser)


@pytest.mark.parametrize("path", [RESET, RESET_CONFIRM])
def test_a_browser_reset_request_needs_the_csrf_token(browser, post, path):
    assert post(path, {"email": "personne@example.org"}, client=browser).status_code == 403


@pytest.mark.parametrize("path", [CHANGE_EMAIL, CHANGE_PASSWORD])
def test_a_logged_in_browser_change_needs_the_csrf_token(browser, post, path):
    parent = ParentFactory()
    browser.force_login(parent)
    browser.get(CSRF)
    data = {
        "new_email": "autre@example.org",
        "current_password": DEFAULT_PASSWORD,
        "new_password": NEW_PASSWORD,
    }

    refused = post(path, data, client=browser)
    accepted = post(path, data, client=browser, **csrf_header(browser))

    assert refused.status_code == 403
    assert accepted.status_code == 200, accepted.content


# --- Accounts awaiting validation -----------------------------------------------------------


def test_an_account_awaiting_validation_uses_every_accounts_endpoint(client, post):
    pending = PendingParentFactory(email="claire.martin@example.org")
    client.force_login(pending)

    assert client.get(ME).status_code == 200
    profile = client.patch(ME, {"newsletter": True}, content_type="application/json")
    assert profile.status_code == 200
    email = post(
        CHANGE_EMAIL, {"new_email": "claire@nouvelle.fr", "current_password": DEFAULT_PASSWORD}
    )
    assert email.status_code == 200, email.content
    password = post(
        CHANGE_PASSWORD, {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert password.status_code == 200, password.content
    assert client.delete(LOGIN).status_code == 200

    mail.outbox.clear()
    assert post(RESET, {"email": "claire@nouvelle.fr"}).status_code == 200
    link = reset_link_of(mail.outbox[0])
    confirm = post(RESET_CONFIRM, {**link, "new_password": "Encore-Autre-99!"})
    assert confirm.status_code == 200, confirm.content
    login = post(LOGIN, {"username": "claire@nouvelle.fr", "password": "Encore-Autre-99!"})
    assert login.status_code == 200

    pending.refresh_from_db()
    assert pending.validated_at is None
    assert client.get(ME).json()["is_validated"] is False


def test_a_new_account_from_registration_uses_its_profile_at_once(client, post):
    post(REGISTER, registration())

    response = client.patch(ME, {"is_company": True}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["is_company"] is True
    assert response.json()["is_validated"] is False
