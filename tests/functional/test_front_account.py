"""The parent front end's account pages: log in and out, register, forgotten password and
"Mes informations personnelles", rendered by the server and posted as plain forms."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts import roles, services
from accounts.models import User
from tests.factories import (
    DEFAULT_PASSWORD,
    AgentFactory,
    ParentFactory,
    PartnerFactory,
    PendingParentFactory,
)

pytestmark = pytest.mark.django_db

LOGIN = "/connexion/"
LOGOUT = "/deconnexion/"
REGISTER = "/inscription/"
RULES = "/mot-de-passe/regles/"
RESET = "/mot-de-passe/oublie/"
RESET_CONFIRM = "/mot-de-passe/nouveau/"
PROFILE = "/espace/informations/"
PROFILE_EMAIL = "/espace/informations/email/"
PROFILE_PASSWORD = "/espace/informations/mot-de-passe/"
NEW_PASSWORD = "Autre-Cheval-73?"
WRONG_PASSWORD = "Wrong-Password-1!"
FAILURE_LIMIT = 5


@pytest.fixture(autouse=True)
def _throttles_start_from_zero():
    """Throttles count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST a form and deliver the e-mails queued on commit, so that they reach mail.outbox."""

    def post(path, data, *, client=client, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, **extra)

    return post


def page(response) -> str:
    return response.content.decode()


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def logged_in_id(client):
    return client.session.get("_auth_user_id")


def registration(**overrides):
    return {
        "civility": "MME",
        "first_name": "Claire",
        "last_name": "Martin",
        "email": "claire.martin@example.org",
        "password": DEFAULT_PASSWORD,
        "birth_date": "1986-04-12",
        "newsletter": "on",
        "accept_terms": "on",
        **overrides,
    }


def error_of(html: str, field: str) -> str:
    """The error paragraph shown under a field (its messages, one per line)."""
    found = re.search(rf'<p class="field__error" id="id_{field}_error">(.*?)</p>', html)
    assert found, f"no error under {field}"
    return found.group(1)


def reset_link_of(message) -> str:
    link = next(word for word in message.body.split() if "/mot-de-passe/nouveau/" in word)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


# --- Log in ---------------------------------------------------------------------------------


def test_the_login_page_offers_the_forgotten_password_and_the_registration_links(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    html = page(response)
    assert "<h1>Accéder à mon compte usager</h1>" in html
    assert '<label for="id_email">Adresse e-mail' in html
    assert '<label for="id_password">Mot de passe' in html
    assert f'href="{RESET}">Mot de passe oublié ?</a>' in html
    assert f'href="{REGISTER}">Créer un compte</a>' in html
    assert "csrfmiddlewaretoken" in html


def test_a_validated_parent_logs_in_and_reaches_their_space(client):
    parent = ParentFactory()

    response = client.post(LOGIN, {"email": parent.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/espace/"
    assert logged_in_id(client) == str(parent.pk)


def test_the_login_goes_back_to_the_page_asked_for(client):
    parent = ParentFactory()

    response = client.post(
        LOGIN, {"email": parent.email.upper(), "password": DEFAULT_PASSWORD, "next": PROFILE}
    )

    assert response["Location"] == PROFILE


@pytest.mark.parametrize(
    "next_url", ["https://pirate.example.com/", "//pirate.example.com/espace/", "javascript:x()"]
)
def test_the_login_never_sends_the_parent_to_another_site(client, next_url):
    parent = ParentFactory()

    response = client.post(
        LOGIN, {"email": parent.email, "password": DEFAULT_PASSWORD, "next": next_url}
    )

    assert response["Location"] == "/espace/"


def test_the_login_page_keeps_the_next_page_in_its_form(client):
    response = client.get(LOGIN, {"next": PROFILE})

    assert f'<input type="hidden" name="next" value="{PROFILE}">' in page(response)


def test_a_wrong_password_is_refused_with_a_french_message(client):
    parent = ParentFactory()

    response = client.post(LOGIN, {"email": parent.email, "password": WRONG_PASSWORD})

    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in page(response)
    assert logged_in_id(client) is None


def test_an_empty_login_form_shows_errors_next_to_its_fields(client):
    response = client.post(LOGIN, {"email": "", "password": ""})

    html = page(response)
    assert 'id="id_email_error"' in html
    assert 'id="id_password_error"' in html
    assert 'aria-invalid="true"' in html


def test_an_account_awaiting_validation_goes_to_the_waiting_page(client):
    parent = PendingParentFactory()

    response = client.post(
        LOGIN, {"email": parent.email, "password": DEFAULT_PASSWORD, "next": "/espace/"}
    )

    assert response["Location"] == "/espace/en-attente/"
    waiting = client.get(response["Location"])
    assert "Votre compte est en attente de validation" in page(waiting)
    assert parent.email in page(waiting)


def test_an_agent_logging_in_here_goes_to_the_dashboard_asked_for(client):
    agent = AgentFactory(communes=[PartnerFactory(name="Rosières")])

    response = client.post(
        LOGIN, {"email": agent.email, "password": DEFAULT_PASSWORD, "next": "/dashboard/"}
    )

    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_the_login_locks_after_repeated_failures_and_says_so_in_french(client):
    parent = ParentFactory()
    for _ in range(FAILURE_LIMIT - 1):
        assert client.post(LOGIN, {"email": parent.email, "password": WRONG_PASSWORD}).status_code
    locking = client.post(LOGIN, {"email": parent.email, "password": WRONG_PASSWORD})
    right_password = client.post(LOGIN, {"email": parent.email, "password": DEFAULT_PASSWORD})

    for response in (locking, right_password):
        assert response.status_code == 429
        html = page(response)
        assert "Trop de tentatives de connexion échouées" in html
        assert "15 minutes" in html
        # The site's own page, with the way out the message names.
        assert "<h1>Accéder à mon compte usager</h1>" in html
        assert f'href="{RESET}">Mot de passe oublié ?</a>' in html
    assert logged_in_id(client) is None


def test_the_login_form_needs_the_csrf_token():
    parent = ParentFactory()
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN, {"email": parent.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 403
    assert logged_in_id(client) is None


def test_oscars_customer_pages_are_gone_rather_than_asking_for_a_login(client):
    # Oscar's own account pages would bypass our rules (tests/functional/test_storefront_gone.py).
    assert client.get("/shop/accounts/").status_code == 404


# --- Log out --------------------------------------------------------------------------------


def test_logging_out_ends_the_session_and_says_so(client):
    client.force_login(ParentFactory())

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert logged_in_id(client) is None
    assert flash(response) == ["Vous êtes déconnecté(e). À bientôt !"]


def test_opening_the_logout_address_only_asks_for_confirmation(client):
    parent = ParentFactory()
    client.force_login(parent)

    response = client.get(LOGOUT)

    assert response.status_code == 200
    assert '<button type="submit" class="button">Se déconnecter</button>' in page(response)
    assert logged_in_id(client) == str(parent.pk)


# --- Registration ---------------------------------------------------------------------------


def test_the_registration_page_lists_the_password_rules_under_the_field(client):
    response = client.get(REGISTER)

    assert response.status_code == 200
    html = page(response)
    assert "<h1>Créer un compte usager</h1>" in html
    for rule in (
        "Longueur minimale de 12 caractères.",
        "Contient au moins 1 chiffre.",
        "Contient au moins 1 majuscule.",
        "Contient au moins 1 minuscule.",
        "Contient au moins 1 caractère spécial.",
    ):
        assert rule in html
    assert 'aria-describedby="id_password_help"' in html
    assert 'id="id_password_help"' in html
    assert 'aria-live="polite"' in html
    assert 'data-password-rules="/mot-de-passe/regles/"' in html
    assert "themes/account.js" in html


def test_registering_creates_an_account_awaiting_validation_and_logs_it_in(client, post):
    response = post(REGISTER, registration())

    assert response.status_code == 302, page(response)
    assert response["Location"] == "/espace/en-attente/"
    account = User.objects.get(email="claire.martin@example.org")
    assert (account.first_name, account.last_name, account.civility) == ("Claire", "Martin", "MME")
    assert str(account.birth_date) == "1986-04-12"
    assert account.newsletter is True
    assert account.validated_at is None
    assert account.terms_accepted_at is not None
    assert account.check_password(DEFAULT_PASSWORD)
    assert list(account.groups.values_list("name", flat=True)) == [roles.PARENTS]
    assert logged_in_id(client) == str(account.pk)
    assert flash(response) == ["Votre compte est maintenant créé."]
    assert [message.to for message in mail.outbox] == [["claire.martin@example.org"]]


def test_the_registration_form_prefills_the_email_given_in_the_address(client):
    response = client.get(REGISTER, {"email": "claire.martin@example.org"})

    assert 'value="claire.martin@example.org"' in page(response)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "Existing.Parent@EXAMPLE.org"}, "email", str(services.EMAIL_TAKEN)),
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse e-mail valide."),
        (
            {"password": "girafeverte"},
            "password",
            "Le mot de passe doit contenir au moins 12 caractères.",
        ),
        (
            {"password": "girafeverte"},
            "password",
            "Le mot de passe doit contenir au moins un chiffre.",
        ),
        (
            {"last_name": "Vandenbroucke", "password": "Vandenbroucke1!"},
            "password",
            "Le mot de passe est trop semblable au champ «\xa0Nom\xa0».",
        ),
        (
            {"accept_terms": ""},
            "accept_terms",
            "Vous devez accepter les conditions générales et la politique de confidentialité.",
        ),
        (
            {"birth_date": "2999-01-01"},
            "birth_date",
            "La date de naissance ne peut pas être future.",
        ),
        ({"first_name": "  "}, "first_name", "Champ requis."),
    ],
    ids=[
        "e-mail taken",
        "bad e-mail",
        "short password",
        "password without digit",
        "password like the name",
        "terms refused",
        "birth date in the future",
        "blank first name",
    ],
)
def test_an_invalid_registration_shows_the_error_next_to_its_field_and_creates_nothing(
    client, post, overrides, field, message
):
    ParentFactory(email="existing.parent@example.org")

    response = post(REGISTER, registration(**overrides))

    assert response.status_code == 200
    html = page(response)
    assert message.replace("'", "&#x27;") in error_of(html, field)
    assert "Le formulaire contient des erreurs" in html
    assert User.objects.count() == 1
    assert logged_in_id(client) is None
    assert mail.outbox == []


def test_a_signed_in_parent_is_not_offered_a_second_account(client):
    client.force_login(ParentFactory())

    response = client.get(REGISTER)

    assert response["Location"] == "/espace/"


def test_registration_shares_the_api_throttle_of_the_address(client, post):
    for number in range(30):
        post(REGISTER, registration(email=f"parent{number}@example.org"))
        client.logout()

    response = post(REGISTER, registration(email="one-more@example.org"))

    assert response.status_code == 429
    assert "Trop de demandes : réessayez dans" in page(response)
    assert not User.objects.filter(email="one-more@example.org").exists()


# --- Live password rules --------------------------------------------------------------------


def rule(answer, text):
    return next(check["met"] for check in answer["rules"] if check["text"] == text)


def test_the_live_check_says_which_rules_a_password_meets(client):
    response = client.post(RULES, {"password": "girafeverte"})

    assert response.status_code == 200
    answer = response.json()
    assert answer["valid"] is False
    assert rule(answer, "Longueur minimale de 12 caractères.") is False
    assert rule(answer, "Contient au moins 1 chiffre.") is False
    assert rule(answer, "Contient au moins 1 minuscule.") is True
    assert rule(answer, "Contient au moins 1 lettre.") is True


def test_the_live_check_accepts_a_password_meeting_every_rule(client):
    answer = client.post(RULES, {"password": NEW_PASSWORD}).json()

    assert answer["valid"] is True
    assert all(check["met"] for check in answer["rules"])


def test_the_live_check_compares_the_password_with_the_names_typed(client):
    answer = client.post(
        RULES,
        {"password": "Vandenbroucke1!", "first_name": "Claire", "last_name": "Vandenbroucke"},
    ).json()

    assert answer["valid"] is False
    assert [check["met"] for check in answer["rules"]].count(False) == 1


def test_the_live_check_lists_the_rules_in_the_order_of_the_page(client):
    html = page(client.get(REGISTER))
    texts = [check["text"] for check in client.post(RULES, {"password": "x"}).json()["rules"]]

    positions = [html.index(text.replace("'", "&#x27;")) for text in texts]
    assert positions == sorted(positions)


def test_the_live_check_takes_only_a_post_with_the_csrf_token(client):
    assert client.get(RULES, {"password": "x"}).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(RULES, {"password": "x"}).status_code == 403


# --- Forgotten password ---------------------------------------------------------------------


def test_the_forgotten_password_page_asks_for_the_email(client):
    response = client.get(RESET)

    assert response.status_code == 200
    assert "<h1>Mot de passe oublié ?</h1>" in page(response)
    assert '<label for="id_email">Adresse e-mail' in page(response)


def test_the_reset_request_answers_the_same_whether_or_not_the_account_exists(client, post):
    ParentFactory(email="claire.martin@example.org")

    unknown = post(RESET, {"email": "personne@example.org"})
    assert mail.outbox == []
    known = post(RESET, {"email": "claire.martin@example.org"})

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert known.status_code == 302
    assert known["Location"] == f"{RESET}?envoye=1"
    # Both confirmations are queued: the page shows them, the same text twice.
    confirmations = flash(known)
    assert len(confirmations) == 2
    assert confirmations[0] == confirmations[1]
    assert "Si un compte existe avec cette adresse" in confirmations[0]
    assert [message.to for message in mail.outbox] == [["claire.martin@example.org"]]


def test_after_sending_the_page_says_what_to_do_instead_of_the_form(client, post):
    sent = client.get(post(RESET, {"email": "personne@example.org"})["Location"])

    page = sent.content.decode()
    assert "il ne sert qu'une fois" in page
    assert 'name="email"' not in page
    assert 'name="email"' in client.get(RESET).content.decode()


def test_the_emailed_link_lets_the_parent_choose_a_new_password_once(client, post):
    parent = ParentFactory(email="claire.martin@example.org")
    post(RESET, {"email": parent.email})
    link = reset_link_of(mail.outbox[0])

    form = client.get(link)
    assert form.status_code == 200
    assert "<h1>Choisir un nouveau mot de passe</h1>" in page(form)
    assert '<meta name="referrer" content="no-referrer">' in page(form)
    assert "Longueur minimale de 12 caractères." in page(form)
    query = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}

    weak = post(RESET_CONFIRM, {**query, "new_password": "girafeverte"})
    assert weak.status_code == 200
    assert "Le mot de passe doit contenir au moins 12 caractères." in page(weak)
    done = post(RESET_CONFIRM, {**query, "new_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == LOGIN
    assert "Vous pouvez maintenant vous connecter" in flash(done)[0]

    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert mail.outbox[-1].subject == "Votre mot de passe Portail Famille a été modifié"
    login = client.post(LOGIN, {"email": parent.email, "password": NEW_PASSWORD})
    assert login["Location"] == "/espace/"

    used = client.get(link)
    assert used.status_code == 400
    assert "Ce lien n&#x27;est plus valide" in page(used)
    assert f'href="{RESET}">Demander un nouveau lien</a>' in page(used)


@pytest.mark.parametrize(
    "query", ["", "?uid=MQ&token=faux-jeton", "?uid=%%%&token=x"], ids=["none", "forged", "junk"]
)
def test_a_broken_reset_link_says_so_and_offers_a_new_one(client, query):
    response = client.get(RESET_CONFIRM + query)

    assert response.status_code == 400
    assert "Ce lien n&#x27;est plus valide" in page(response)
    assert "new_password" not in page(response)
    assert f'href="{RESET}">Demander un nouveau lien</a>' in page(response)


def test_a_forged_reset_link_changes_no_password(client):
    parent = ParentFactory()

    response = client.post(
        RESET_CONFIRM, {"uid": "MQ", "token": "faux-jeton", "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 400
    parent.refresh_from_db()
    assert parent.check_password(DEFAULT_PASSWORD)


def test_a_reset_lifts_a_login_lockout(client, post):
    parent = ParentFactory(email="claire.martin@example.org")
    for _ in range(FAILURE_LIMIT):
        client.post(LOGIN, {"email": parent.email, "password": WRONG_PASSWORD})
    post(RESET, {"email": parent.email})
    query = parse_qs(urlsplit(reset_link_of(mail.outbox[0])).query)

    post(
        RESET_CONFIRM,
        {"uid": query["uid"][0], "token": query["token"][0], "new_password": NEW_PASSWORD},
    )
    response = client.post(LOGIN, {"email": parent.email, "password": NEW_PASSWORD})

    assert response.status_code == 302


# --- Mes informations personnelles ----------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login_page_then_back(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/espace/informations/"


def test_the_profile_page_shows_the_three_forms_with_the_account_details(client):
    parent = ParentFactory(first_name="Claire", last_name="Martin", civility="MME")
    client.force_login(parent)

    response = client.get(PROFILE)

    assert response.status_code == 200
    html = page(response)
    assert "<h1>Mes informations personnelles</h1>" in html
    assert 'value="Claire"' in html
    assert '<option value="MME" selected>' in html
    assert parent.email in html
    assert "Compte validé" in html
    for button in (
        "Enregistrer mes informations",
        "Changer mon adresse e-mail",
        "Changer mon mot de passe",
    ):
        assert f">{button}</button>" in html
    assert 'aria-current="page"' in html


def test_an_account_awaiting_validation_can_edit_its_information(client):
    parent = PendingParentFactory()
    client.force_login(parent)

    response = client.get(PROFILE)

    assert response.status_code == 200
    assert "Compte en attente de validation" in page(response)


def test_editing_the_personal_information_saves_it_and_confirms(client):
    parent = ParentFactory(first_name="Claire", newsletter=True)
    client.force_login(parent)

    response = client.post(
        PROFILE,
        {
            "civility": "M",
            "first_name": "Claude",
            "last_name": "Martin-Roux",
            "birth_date": "1980-02-29",
            "is_company": "on",
            # Not a field of this form: the e-mail changes only with the password.
            "email": "pirate@example.org",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    parent.refresh_from_db()
    assert (parent.civility, parent.first_name, parent.last_name) == ("M", "Claude", "Martin-Roux")
    assert str(parent.birth_date) == "1980-02-29"
    assert (parent.is_company, parent.newsletter) == (True, False)
    assert parent.email != "pirate@example.org"
    assert flash(response) == ["Vos informations personnelles ont été enregistrées."]


def test_an_invalid_profile_shows_the_error_next_to_its_field(client):
    parent = ParentFactory(first_name="Claire")
    client.force_login(parent)

    response = client.post(PROFILE, {"first_name": "", "last_name": "Martin"})

    assert response.status_code == 200
    assert 'id="id_first_name_error"' in page(response)
    parent.refresh_from_db()
    assert parent.first_name == "Claire"


def test_changing_the_email_needs_the_current_password(client, post):
    parent = ParentFactory(email="claire.martin@example.org")
    client.force_login(parent)

    refused = post(
        PROFILE_EMAIL,
        {"email-new_email": "claire@example.org", "email-current_password": WRONG_PASSWORD},
    )
    assert refused.status_code == 200
    assert error_of(page(refused), "email-current_password") == (
        "Le mot de passe actuel est incorrect."
    )
    parent.refresh_from_db()
    assert parent.email == "claire.martin@example.org"

    accepted = post(
        PROFILE_EMAIL,
        {"email-new_email": "claire@example.org", "email-current_password": DEFAULT_PASSWORD},
    )
    assert accepted["Location"] == PROFILE
    parent.refresh_from_db()
    assert parent.email == "claire@example.org"
    assert flash(accepted) == [
        "Votre adresse e-mail de connexion est maintenant claire@example.org."
    ]
    assert [message.to for message in mail.outbox] == [["claire.martin@example.org"]]


def test_an_email_already_used_is_refused_next_to_the_new_email(client):
    ParentFactory(email="taken@example.org")
    parent = ParentFactory()
    client.force_login(parent)

    response = client.post(
        PROFILE_EMAIL,
        {"email-new_email": "TAKEN@example.org", "email-current_password": DEFAULT_PASSWORD},
    )

    assert 'id="id_email-new_email_error"' in page(response)
    assert "Un compte existe déjà avec cette adresse e-mail" in page(response)


def test_changing_the_password_keeps_this_session_open(client, post):
    parent = ParentFactory()
    client.force_login(parent)

    weak = post(
        PROFILE_PASSWORD,
        {"password-current_password": DEFAULT_PASSWORD, "password-new_password": "court"},
    )
    assert "au moins 12 caractères.<br>" in error_of(page(weak), "password-new_password")
    parent.refresh_from_db()
    assert parent.check_password(DEFAULT_PASSWORD)

    done = post(
        PROFILE_PASSWORD,
        {"password-current_password": DEFAULT_PASSWORD, "password-new_password": NEW_PASSWORD},
    )
    assert done["Location"] == PROFILE
    assert flash(done) == ["Votre mot de passe a été modifié."]
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert client.get(PROFILE).status_code == 200
    assert mail.outbox[-1].subject == "Votre mot de passe Portail Famille a été modifié"


def test_a_wrong_current_password_changes_nothing(client):
    parent = ParentFactory()
    client.force_login(parent)

    response = client.post(
        PROFILE_PASSWORD,
        {"password-current_password": WRONG_PASSWORD, "password-new_password": NEW_PASSWORD},
    )

    assert "Le mot de passe actuel est incorrect." in page(response)
    parent.refresh_from_db()
    assert parent.check_password(DEFAULT_PASSWORD)


def test_guessing_the_current_password_is_throttled_as_in_the_api(client):
    parent = ParentFactory()
    client.force_login(parent)
    for _ in range(10):
        client.post(
            PROFILE_PASSWORD,
            {"password-current_password": WRONG_PASSWORD, "password-new_password": NEW_PASSWORD},
        )

    response = client.post(
        PROFILE_PASSWORD,
        {"password-current_password": DEFAULT_PASSWORD, "password-new_password": NEW_PASSWORD},
    )

    assert response.status_code == 429
    assert "Trop de demandes" in page(response)
    parent.refresh_from_db()
    assert parent.check_password(DEFAULT_PASSWORD)
