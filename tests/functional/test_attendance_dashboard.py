"""The agents' pointage screen and their certificates' pages, through HTTP: the day's children
by class with PAI and diet, a save of every mark or none, a billed day read-only, and another
commune's service or certificate a 404."""

import pytest
from django.core import mail

from reservations import attendance
from reservations.attendance import lock_attendance
from reservations.justifications import submit_justification
from reservations.models import (
    AbsenceJustification,
    Attendance,
    AttendanceState,
    Diet,
    JustificationStatus,
    SchoolClass,
)
from tests.access_factories import pdf_upload, use_private_root
from tests.booking_factories import MEAL_DAY, accept_access, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

POINTAGE = "/dashboard/familles/pointage/"
JUSTIFICATIONS = "/dashboard/familles/justificatifs/"


@pytest.fixture(autouse=True)
def private_root(settings, monkeypatch, tmp_path):
    from django.core.files.storage import storages

    use_private_root(settings, monkeypatch, tmp_path / "private")
    field = AbsenceJustification._meta.get_field("file")
    monkeypatch.setattr(field, "storage", storages["private"])
    monkeypatch.setattr(attendance, "_post_paid_checks", [])


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


@pytest.fixture
def agent_client(client, rosieres):
    client.force_login(AgentFactory(communes=[rosieres]))
    return client


@pytest.fixture
def children(canteen):
    """Léa (CP, PAI, no pork) and Tom (CM2) booked; Hugo (CE1) of the service, not booked."""
    service, meal, _ = canteen
    parent = ParentFactory(last_name="Martin")
    lea = BeneficiaryFactory(
        account=parent,
        first_name="Léa",
        school_class=SchoolClass.CP,
        has_pai=True,
        pai_details="Allergie à l'arachide",
        diet=Diet.choices[1][0],
    )
    tom = BeneficiaryFactory(account=parent, first_name="Tom", school_class=SchoolClass.CM2)
    hugo = BeneficiaryFactory(account=parent, first_name="Hugo", school_class=SchoolClass.CE1)
    accept_access(parent, meal, [lea, tom, hugo])
    make_booking(lea, service=service, tariff_option=meal)
    make_booking(tom, service=service, tariff_option=meal)
    return {"parent": parent, "lea": lea, "tom": tom, "hugo": hugo}


def day_query(service):
    return {"service": service.pk, "date": MEAL_DAY.isoformat()}


def save(client, service, data):
    return client.post(POINTAGE, {**day_query(service), **data})


def test_the_screen_lists_the_booked_children_by_class_with_pai_and_diet(
    agent_client, canteen, children
):
    service, _meal, _ = canteen

    response = agent_client.get(POINTAGE, day_query(service))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Pointage du mardi 12 mars 2030" in page
    assert page.index("CP") < page.index("Léa") < page.index("CM2") < page.index("Tom")
    assert "Allergie à l&#x27;arachide" in page
    assert str(Diet.choices[1][1]) in page
    assert f'name="state-{children["lea"].pk}" value="present" checked' in page
    assert f'name="unbooked" value="{children["hugo"].pk}"' in page
    assert f'name="unbooked" value="{children["lea"].pk}"' not in page


def test_saving_records_every_mark_and_a_presence_without_booking(agent_client, canteen, children):
    service, _meal, _ = canteen

    response = save(
        agent_client,
        service,
        {
            f"state-{children['lea'].pk}": "absent",
            f"state-{children['tom'].pk}": "present",
            "unbooked": [children["hugo"].pk],
        },
    )

    assert response.status_code == 302
    states = dict(Attendance.objects.values_list("beneficiary__first_name", "state"))
    assert states == {"Léa": "absent", "Tom": "present", "Hugo": "present_unbooked"}
    page = agent_client.get(response.url).content.decode()
    assert "Pointage du 12/03/2030 enregistré." in page
    assert f'name="unbooked" value="{children["hugo"].pk}" checked' in page


def test_a_wrong_mark_saves_nothing_and_the_screen_says_why(agent_client, canteen, children):
    service, _meal, _ = canteen

    response = save(
        agent_client,
        service,
        {f"state-{children['lea'].pk}": "absent", f"state-{children['tom'].pk}": "late"},
    )

    assert response.status_code == 400
    assert "Rien n'a été enregistré" in response.content.decode()
    assert "État de pointage inconnu : late." in response.content.decode()
    assert not Attendance.objects.exists()


def test_unticking_a_presence_without_booking_withdraws_it(agent_client, canteen, children):
    service, _meal, _ = canteen
    save(agent_client, service, {"unbooked": [children["hugo"].pk]})

    save(agent_client, service, {f"state-{children['lea'].pk}": "present"})

    assert dict(Attendance.objects.values_list("beneficiary__first_name", "state")) == {
        "Léa": "present"
    }


def test_a_billed_day_is_read_only_with_the_reason(agent_client, canteen, children):
    service, _meal, _ = canteen
    lock_attendance(service.pk, [MEAL_DAY])

    page = agent_client.get(POINTAGE, day_query(service)).content.decode()
    response = save(agent_client, service, {f"state-{children['lea'].pk}": "absent"})

    assert "est verrouillé : la journée a été facturée le" in page
    assert "<fieldset disabled>" in page
    assert 'id="pointage_save"' not in page
    assert response.status_code == 400
    assert Attendance.objects.get(beneficiary=children["lea"]).state == "present"


def test_another_communes_service_is_a_404_to_show_and_to_save(agent_client, children):
    other_service, other_meal, _ = make_canteen(
        PartnerFactory(name="Bains"), title="Cantine de Bains"
    )
    make_booking(children["lea"], service=other_service, tariff_option=other_meal)

    assert agent_client.get(POINTAGE, day_query(other_service)).status_code == 404
    response = save(agent_client, other_service, {f"state-{children['lea'].pk}": "absent"})
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_a_parent_cannot_open_the_pointage(client, canteen, children):
    client.force_login(children["parent"])
    response = client.get(POINTAGE, day_query(canteen[0]))
    assert response.status_code in (302, 403)


def test_the_pointage_is_in_the_dashboard_menu(agent_client):
    page = agent_client.get("/dashboard/").content.decode()
    assert POINTAGE in page
    assert JUSTIFICATIONS in page


# --- Certificates ------------------------------------------------------------------------------


def certificate(children, service):
    return submit_justification(
        account=children["parent"],
        beneficiary=children["lea"],
        service=service,
        start_date=MEAL_DAY,
        end_date=MEAL_DAY,
        upload=pdf_upload(),
        today=MEAL_DAY,
    )


def test_an_agent_lists_opens_downloads_and_accepts_a_certificate(
    agent_client, canteen, children, django_capture_on_commit_callbacks
):
    service, _meal, _ = canteen
    justification = certificate(children, service)
    detail = f"{JUSTIFICATIONS}{justification.pk}/"

    listed = agent_client.get(JUSTIFICATIONS).content.decode()
    page = agent_client.get(detail).content.decode()
    download = agent_client.get(f"{detail}fichier/")
    with django_capture_on_commit_callbacks(execute=True):
        accepted = agent_client.post(detail, {"action": "accept"})

    assert detail in listed
    assert "mardi 12 mars 2030 — Non pointé" in page
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].endswith(f'justificatif-absence-{justification.pk}.pdf"')
    assert accepted.status_code == 302
    justification.refresh_from_db()
    assert justification.status == JustificationStatus.ACCEPTED
    assert Attendance.objects.get().state == AttendanceState.ABSENT_JUSTIFIED
    assert mail.outbox[-1].to == [children["parent"].email]


def test_refusing_without_a_reason_is_a_form_error(agent_client, canteen, children):
    service, _meal, _ = canteen
    justification = certificate(children, service)
    detail = f"{JUSTIFICATIONS}{justification.pk}/"

    response = agent_client.post(detail, {"action": "refuse", "reason": ""})
    refused = agent_client.post(detail, {"action": "refuse", "reason": "Illisible"})

    assert response.status_code == 400
    assert refused.status_code == 302
    justification.refresh_from_db()
    assert (justification.status, justification.reason) == (
        JustificationStatus.REFUSED,
        "Illisible",
    )


def test_another_communes_agent_gets_a_404_for_a_certificate(client, canteen, children):
    service, _meal, _ = canteen
    justification = certificate(children, service)
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Bains")]))
    detail = f"{JUSTIFICATIONS}{justification.pk}/"

    assert client.get(detail).status_code == 404
    assert client.get(f"{detail}fichier/").status_code == 404
    assert client.post(detail, {"action": "accept"}).status_code == 404
    assert detail not in client.get(JUSTIFICATIONS).content.decode()
    justification.refresh_from_db()
    assert justification.status == JustificationStatus.PENDING


# --- What each attendance state costs, on the tariff page ---------------------------------------


def tariff_post(client, service, **percents):
    data = {
        "mode": "grid",
        "effort_rate": "",
        "floor": "",
        "ceiling": "",
        "rows-TOTAL_FORMS": "0",
        "rows-INITIAL_FORMS": "0",
        **percents,
    }
    return client.post(f"/dashboard/familles/services/{service.pk}/tarifs/", data)


def test_the_tariff_page_sets_what_each_attendance_state_costs(agent_client, canteen):
    from decimal import Decimal

    from reservations.attendance import modifiers_for
    from reservations.attendance_pricing import AttendanceModifiers

    service, _meal, _ = canteen
    page = agent_client.get(f"/dashboard/familles/services/{service.pk}/tarifs/")
    assert "Selon le pointage" in page.content.decode()

    response = tariff_post(
        agent_client,
        service,
        present_percent="100",
        absent_percent="50",
        absent_justified_percent="0",
        present_unbooked_percent="125.5",
    )

    assert response.status_code == 302
    assert modifiers_for([service.pk])[service.pk] == AttendanceModifiers(
        present=Decimal(100),
        absent=Decimal(50),
        absent_justified=Decimal(0),
        present_unbooked=Decimal("125.5"),
    )


def test_a_negative_percentage_is_refused_in_french_and_an_empty_one_keeps_the_default(
    agent_client, canteen
):
    from reservations.models import TariffGrid

    service, _meal, _ = canteen
    refused = tariff_post(agent_client, service, absent_percent="-10")
    saved = tariff_post(agent_client, service)

    assert refused.status_code == 400
    assert "Un pourcentage ne peut pas être négatif." in refused.content.decode()
    assert saved.status_code == 302
    grid = TariffGrid.objects.get(service=service)
    assert (grid.absent_percent, grid.present_unbooked_percent) == (100, 150)


def test_the_admin_shows_pointage_and_certificates_read_only(client, canteen, children):
    from tests.factories import AdministratorFactory

    service, _meal, _ = canteen
    certificate(children, service)
    lock_attendance(service.pk, [MEAL_DAY])
    client.force_login(AdministratorFactory())
    attendance_row = Attendance.objects.first()

    listed = client.get("/django-admin/reservations/attendance/")
    certificates = client.get("/django-admin/reservations/absencejustification/")
    change = client.post(
        f"/django-admin/reservations/attendance/{attendance_row.pk}/change/", {"state": "absent"}
    )

    assert listed.status_code == 200 and certificates.status_code == 200
    assert "Léa" in listed.content.decode()
    assert change.status_code == 403
    attendance_row.refresh_from_db()
    assert attendance_row.state == AttendanceState.PRESENT


def test_the_agents_home_counts_the_certificates_waiting(agent_client, canteen, children):
    service, _meal, _ = canteen
    certificate(children, service)

    page = agent_client.get("/dashboard/").content.decode()

    assert "1 justificatif d'absence à examiner" in page
    assert f'href="{JUSTIFICATIONS}"' in page


def test_a_child_with_a_certificate_waiting_is_flagged_on_the_pointage(
    agent_client, canteen, children
):
    service, _meal, _ = canteen
    certificate(children, service)

    page = agent_client.get(POINTAGE, day_query(service)).content.decode()

    assert page.count("justificatif en attente") == 1
    lea_row = page[page.index("Léa") : page.index(f'name="state-{children["lea"].pk}"')]
    assert "justificatif en attente" in lea_row
