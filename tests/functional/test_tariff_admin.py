"""Saving a tariff grid in the admin with two rows for the same bracket is a form error in
French, never a 500: whether both rows come in the same save or one is already saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reservations.models import TariffGrid, TariffRow
from tests.factories import AdministratorFactory, PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

DUPLICATE = "Cette grille a déjà une ligne pour cette catégorie, cette résidence, ce rang"


@pytest.fixture
def service():
    commune = PartnerFactory(name="Rosières")
    return make_service(commune, "Cantine de Rosières", {"Repas": "3.30"})[0]


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory())
    return client


def row(n, *, quotient_min="", price="3.30", pk="", grid=""):
    return {
        f"rows-{n}-id": pk,
        f"rows-{n}-grid": grid,
        f"rows-{n}-category": "child",
        f"rows-{n}-residence": "any",
        f"rows-{n}-family_quotient_min": quotient_min,
        f"rows-{n}-family_quotient_max": "",
        f"rows-{n}-sibling_rank": "1",
        f"rows-{n}-unit_price": price,
    }


def grid_form(service, *rows, initial=0):
    data = {
        "service": service.pk,
        "mode": "grid",
        "effort_rate": "",
        "floor": "",
        "ceiling": "",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(initial),
    }
    for values in rows:
        data.update(values)
    return data


def test_two_open_ended_rows_for_the_same_bracket_in_one_save_are_a_french_form_error(
    admin_client, service
):
    response = admin_client.post(
        "/django-admin/reservations/tariffgrid/add/",
        grid_form(service, row(0), row(1, price="4.00")),
    )

    assert response.status_code == 200
    assert DUPLICATE in response.content.decode()
    assert not TariffGrid.objects.exists()


def test_two_rows_starting_at_the_same_quotient_in_one_save_are_a_french_form_error(
    admin_client, service
):
    response = admin_client.post(
        "/django-admin/reservations/tariffgrid/add/",
        grid_form(service, row(0, quotient_min="500"), row(1, quotient_min="500.00")),
    )

    assert response.status_code == 200
    assert DUPLICATE in response.content.decode()
    assert not TariffRow.objects.exists()


def test_adding_a_row_for_a_bracket_already_saved_is_a_french_form_error(admin_client, service):
    grid = TariffGrid.objects.create(service=service)
    saved = TariffRow.objects.create(grid=grid, category="child", unit_price=Decimal("3.30"))

    response = admin_client.post(
        f"/django-admin/reservations/tariffgrid/{grid.pk}/change/",
        grid_form(service, row(0, pk=saved.pk, grid=grid.pk), row(1, grid=grid.pk), initial=1),
    )

    assert response.status_code == 200
    assert DUPLICATE in response.content.decode()
    assert list(grid.rows.values_list("unit_price", flat=True)) == [Decimal("3.30")]


def test_rows_of_different_brackets_are_saved(admin_client, service):
    response = admin_client.post(
        "/django-admin/reservations/tariffgrid/add/",
        grid_form(service, row(0), row(1, quotient_min="500", price="2.10")),
    )

    assert response.status_code == 302
    grid = TariffGrid.objects.get(service=service)
    assert sorted(grid.rows.values_list("unit_price", flat=True)) == [
        Decimal("2.10"),
        Decimal("3.30"),
    ]


def test_a_duplicate_row_is_refused_by_the_models_validation_in_french(service):
    grid = TariffGrid.objects.create(service=service)
    TariffRow.objects.create(grid=grid, category="child", unit_price=Decimal("3.30"))

    with pytest.raises(ValidationError) as refused:
        TariffRow(grid=grid, category="child", unit_price=Decimal("2.00")).full_clean()

    assert DUPLICATE in str(refused.value)
