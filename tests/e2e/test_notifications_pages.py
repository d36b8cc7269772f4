"""The parent's e-mail preferences, the one-click unsubscribe page (no login) and the wallet
forecast, in Chromium at both viewports, axe clean."""

import re

from django.contrib.auth import get_user_model

from accounts import notifications
from accounts.models import NotificationKind

from .helpers import assert_accessible, screenshot

PARENT = "claire.martin@example.org"
PASSWORD = "Portail-Demo-2026!"


def log_in(page) -> None:
    page.goto("/connexion/")
    page.fill("#id_email", PARENT)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace/reserver/")  # the family can book: the calendar first
    page.goto("/espace/")


def test_a_parent_sees_the_forecast_and_turns_the_weekly_summary_off(page, site):
    claire = get_user_model().objects.get(email=PARENT)
    try:
        log_in(page)
        assert page.get_by_role("heading", name="Prévision du porte-monnaie").is_visible()
        assert_accessible(page)
        screenshot(page, "forecast-space-home")

        page.goto("/espace/informations/")
        page.get_by_role("link", name=re.compile("Mes e-mails")).click()
        page.wait_for_url("**/espace/mes-emails/")
        page.get_by_label("Résumé de la semaine à venir").uncheck()
        page.get_by_role("button", name="Enregistrer mes préférences").click()
        page.wait_for_url("**/espace/mes-emails/")
        assert not page.get_by_label("Résumé de la semaine à venir").is_checked()
        assert page.get_by_label("Solde du porte-monnaie bas").is_checked()
        assert_accessible(page)
        screenshot(page, "email-preferences")
        assert notifications.preferences_of(claire)[NotificationKind.WEEKLY_SUMMARY] is False
    finally:
        notifications.set_preferences(claire, dict.fromkeys(NotificationKind.values, True))


def test_the_unsubscribe_link_works_in_one_click_without_logging_in(page, site):
    claire = get_user_model().objects.get(email=PARENT)
    link = notifications.unsubscribe_url(claire, NotificationKind.LOW_BALANCE)
    path = re.sub(r"^https?://[^/]+", "", link)
    try:
        page.goto(path)
        assert page.get_by_text(re.compile("Solde du porte-monnaie bas")).first.is_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Me désabonner").click()
        page.wait_for_load_state("load")
        assert page.get_by_text(re.compile("C'est fait")).is_visible()
        assert_accessible(page)
        screenshot(page, "unsubscribed")
        preferences = notifications.preferences_of(claire)
        assert preferences[NotificationKind.LOW_BALANCE] is False
        assert preferences[NotificationKind.DEADLINE_REMINDER] is True
    finally:
        notifications.set_preferences(claire, dict.fromkeys(NotificationKind.values, True))
