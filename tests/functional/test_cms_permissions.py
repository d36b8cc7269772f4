"""Communication officers edit their own commune's pages and nothing else; what they submit goes
through the review workflow ("Relecture") before it is published."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import querydict_from_html

from accounts.models import User
from cms.moderation import REVIEW_TASK, REVIEWERS, WORKFLOW
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

OFFICER_EMAIL = "redaction@portail-famille.test"


@pytest.fixture
def officer(demo_world):
    return User.objects.get(email=OFFICER_EMAIL)


@pytest.fixture
def reviewer(demo_world):
    reviewer = OfficerFactory()
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    return reviewer


def page(slug):
    return Page.objects.get(slug=slug).specific


def edit_url(page):
    return f"/cms/pages/{page.pk}/edit/"


def edit_form(client, page):
    """The admin's edit form of the page, filled as the officer's browser would send it."""
    response = client.get(edit_url(page))
    assert response.status_code == 200
    return querydict_from_html(response.content.decode(), form_id="page-edit-form")


def refused(response) -> bool:
    # Wagtail's admin answers a permission refusal with a redirect (and a message) or a 403.
    return response.status_code in (302, 403) and "/edit/" not in response.get("Location", "")


# --- Each officer in their own commune -------------------------------------------------------


@pytest.mark.parametrize("slug", ["aiguilhe", "garderie-periscolaire-daiguilhe", "dombes"])
def test_an_officer_of_rosieres_cannot_edit_or_publish_elsewhere(officer, slug):
    elsewhere = page(slug)

    permissions = elsewhere.permissions_for_user(officer)

    assert not permissions.can_edit()
    assert not permissions.can_publish()
    assert not permissions.can_add_subpage()


def test_the_admin_refuses_an_officer_of_rosieres_the_edit_view_of_aiguilhe(client, officer):
    aiguilhe = page("aiguilhe")
    client.force_login(officer)

    assert refused(client.get(edit_url(aiguilhe)))


def test_the_admin_refuses_to_publish_a_page_of_aiguilhe_for_an_officer_of_rosieres(
    client, officer, demo_world
):
    aiguilhe = page("aiguilhe")
    admin = User.objects.get(email="admin@portail-famille.test")
    client.force_login(admin)
    data = edit_form(client, aiguilhe)  # a well-formed form, as if the officer had forged it
    data["opening_hours"] = "Piraté"
    data["action-publish"] = "action-publish"
    revisions = aiguilhe.revisions.count()
    client.force_login(officer)

    response = client.post(edit_url(aiguilhe), data)

    assert refused(response)
    aiguilhe.refresh_from_db()
    assert aiguilhe.opening_hours != "Piraté"
    assert aiguilhe.revisions.count() == revisions


def test_the_admin_refuses_an_officer_of_rosieres_a_new_page_under_aiguilhe(client, officer):
    aiguilhe = page("aiguilhe")
    client.force_login(officer)

    response = client.get(f"/cms/pages/add/cms/servicepage/{aiguilhe.pk}/")

    assert refused(response)


def test_an_officer_of_rosieres_edits_and_publishes_the_pages_of_rosieres(client, officer):
    rosieres, canteen = page("rosieres"), page("cantine-de-rosieres")
    client.force_login(officer)

    for own in (rosieres, canteen):
        assert own.permissions_for_user(officer).can_publish()
        assert client.get(edit_url(own)).status_code == 200
    assert client.get(f"/cms/pages/add/cms/servicepage/{rosieres.pk}/").status_code == 200


def test_the_officers_page_explorer_opens_on_their_commune(client, officer):
    rosieres = page("rosieres")
    client.force_login(officer)

    response = client.get("/cms/pages/")

    # Wagtail opens the explorer at the closest page the user may act on.
    assert response.status_code == 302
    assert response["Location"] == f"/cms/pages/{rosieres.pk}/"
    assert "Cantine de Rosières" in client.get(response["Location"]).content.decode()


# --- Moderation ------------------------------------------------------------------------------


def test_every_page_of_both_sites_is_under_the_review_workflow(demo_world):
    for slug in ("puy-en-velay", "rosieres", "cantine-de-rosieres", "dombes", "baneins"):
        workflow = page(slug).get_workflow()
        assert workflow is not None and workflow.name == WORKFLOW, slug
        assert [task.name for task in workflow.tasks] == [REVIEW_TASK]


def test_submitting_a_page_for_moderation_sends_it_for_review(officer):
    canteen = page("cantine-de-rosieres")
    canteen.title = "Cantine scolaire de Rosières"
    canteen.save_revision(user=officer)

    state = canteen.get_workflow().start(canteen, officer)

    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == REVIEW_TASK
    assert state.requested_by == officer
    canteen.refresh_from_db()
    assert canteen.workflow_in_progress
    assert canteen.title == "Cantine de Rosières"  # nothing published yet


def test_an_officer_submits_for_review_from_the_admin(client, officer):
    canteen = page("cantine-de-rosieres")
    client.force_login(officer)
    data = edit_form(client, canteen)
    data["title"] = "Cantine scolaire de Rosières"
    data["action-submit"] = "action-submit"

    response = client.post(edit_url(canteen), data)

    assert response.status_code == 302
    state = WorkflowState.objects.get(object_id=str(canteen.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == officer
    canteen.refresh_from_db()
    assert canteen.title == "Cantine de Rosières"
    assert canteen.get_latest_revision_as_object().title == "Cantine scolaire de Rosières"


def test_a_reviewer_approves_and_so_publishes_the_page(officer, reviewer):
    canteen = page("cantine-de-rosieres")
    canteen.title = "Cantine scolaire de Rosières"
    canteen.save_revision(user=officer)
    state = canteen.get_workflow().start(canteen, officer)
    task = state.current_task_state.task.specific

    assert task.get_actions(canteen, officer) == []  # no reviewing one's own commune's work
    assert "approve" in [name for name, _, _ in task.get_actions(canteen, reviewer)]

    state.current_task_state.approve(user=reviewer)

    state.refresh_from_db()
    canteen.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert canteen.title == "Cantine scolaire de Rosières"
    assert canteen.live and not canteen.has_unpublished_changes


def test_a_reviewer_asks_for_changes_and_nothing_is_published(officer, reviewer):
    canteen = page("cantine-de-rosieres")
    canteen.title = "Cantine scolaire de Rosières"
    canteen.save_revision(user=officer)
    state = canteen.get_workflow().start(canteen, officer)

    state.current_task_state.reject(user=reviewer)

    state.refresh_from_db()
    canteen.refresh_from_db()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert canteen.title == "Cantine de Rosières"
