"""Our dashboard pages share one header template (templates/portail/dashboard_page.html)."""

import pytest

from tests.factories import AgentFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_each_dashboard_page_shows_its_title_in_the_heading_and_the_browser_tab(client):
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Rosières")]))
    for path, title in [
        ("/dashboard/familles/demandes/", "Demandes d&#x27;accès"),
        ("/dashboard/familles/fermetures/", "Fermetures exceptionnelles"),
        ("/dashboard/porte-monnaie/", "Porte-monnaie"),
        ("/dashboard/reserver/", "Réserver pour une famille"),
        ("/dashboard/familles/comptes/", "Comptes à valider"),
    ]:
        html = client.get(path).content.decode()
        assert f"<h1>{title}</h1>" in html, path
        assert f"<title>{title} |" in html or f"{title} |" in html, path
