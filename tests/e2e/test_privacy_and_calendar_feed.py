"""In Chromium, at 360 and 1280 px: a parent opens a child's calendar page, reads the feed at its
address, generates a new one (the old answers 404), downloads « Mes données » and closes the
account, after which the login is refused. Each page is screenshotted and checked by axe-core."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

from icalendar import Calendar

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, ParentFactory
from tests.reservations_factories import BeneficiaryFactory

from .helpers import assert_accessible, screenshot, wait_for_email


def step(page, name: str) -> None:
    page.wait_for_load_state("load")
    screenshot(page, name)
    assert_accessible(page)


def log_in(page, email: str) -> None:
    page.goto("/connexion/")
    page.fill("#id_email", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/espace/"))


def test_a_parent_subscribes_to_a_childs_calendar_exports_and_closes_the_account(
    page, site, viewport, outbox
):
    email = f"rgpd.{viewport['name']}@example.org"
    parent = ParentFactory(email=email, first_name="Alix", last_name="Rgpd")
    BeneficiaryFactory(account=parent, first_name="Maël", birth_date=date(2018, 5, 2))
    log_in(page, email)

    # The child's calendar page, from « Mes filiations ».
    page.goto("/espace/filiations/")
    page.get_by_role("link", name="Agenda Maël").click()
    page.wait_for_url(re.compile(r"/agenda/$"))
    step(page, "calendar-feed")
    page.get_by_role("button", name="Copier l'adresse").click()
    status = page.locator("[data-copy-status]")
    status.filter(has_text=re.compile(r"Adresse copiée|copiez-la")).wait_for(state="attached")
    old = page.locator("#feed-url").input_value()
    answer = page.request.get(old)
    assert answer.status == 200
    assert Calendar.from_ical(answer.body()).get("x-wr-calname").startswith("Maël")

    page.get_by_role("button", name="Générer une nouvelle adresse").click()
    page.wait_for_load_state("load")
    new = page.locator("#feed-url").input_value()
    assert new != old
    assert page.request.get(old).status == 404
    assert page.request.get(new).status == 200

    # « Mes données », from the profile page.
    page.goto("/espace/informations/")
    page.get_by_role("link", name="Mes données : les télécharger, fermer mon compte").click()
    page.wait_for_url("**/espace/mes-donnees/")
    step(page, "my-data")
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger mes données").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    data = json.loads(archive.read("donnees.json"))
    assert data["account"]["email"] == email
    assert [b["first_name"] for b in data["beneficiaries"]] == ["Maël"]

    page.fill("#id_password", DEFAULT_PASSWORD)
    page.check("#id_confirm")
    page.get_by_role("button", name="Fermer mon compte").click()
    page.wait_for_url(re.compile(r"/$"))
    step(page, "account-closed")
    assert wait_for_email(outbox, to=email, subject="Votre compte Portail Famille est fermé")
    assert not User.objects.get(pk=parent.pk).is_active
    assert page.request.get(new).status == 404

    page.goto("/connexion/")
    page.fill("#id_email", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")
    assert "Adresse e-mail ou mot de passe incorrect." in page.content()
