"""On the demo: each régisseur logs in with the demo password and lands on their régies, and
reads today's journal of each; another commune's régie is a 404."""

import pytest

from config.demo import DEMO_PASSWORD
from wallet.models import Regie

pytestmark = pytest.mark.django_db

LOGIN = "/dashboard/porte-monnaie/regies/connexion/"
ROSIERES = "regisseur.rosieres@portail-famille.test"


def test_the_rosieres_regisseur_logs_in_and_reads_each_of_their_regies(client, demo_world):
    response = client.post(LOGIN, {"username": ROSIERES, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/porte-monnaie/regies/"
    page = client.get(response["Location"]).content.decode()
    mine = Regie.objects.filter(regisseurs__email=ROSIERES).order_by("name")
    assert [regie.name for regie in mine] == [
        "Régie cantine de Rosières",
        "Régie périscolaire de Rosières",
    ]
    for regie in mine:
        assert regie.name in page
        journal = client.get(f"/dashboard/porte-monnaie/regies/{regie.pk}/journal/")
        assert journal.status_code == 200
        export = client.get(f"/dashboard/porte-monnaie/regies/{regie.pk}/journal/export.csv")
        assert export.content.decode("utf-8-sig").startswith("Date;Heure;Nature;")
    aiguilhe = Regie.objects.get(name="Régie périscolaire d'Aiguilhe")
    assert client.get(f"/dashboard/porte-monnaie/regies/{aiguilhe.pk}/").status_code == 404
