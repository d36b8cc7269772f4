"""Moderation: a page an officer submits goes to review ("Relecture") by the "Relecteurs" group,
which approves (and so publishes) it or asks for changes. It is Wagtail's own workflow, switched
on for each territory's whole page tree."""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms.permissions import permission

REVIEWERS = "Relecteurs"
# Approving the last task publishes the page as the reviewer, and Wagtail checks that the reviewer
# may publish it: reviewers hold these on every tree they review.
REVIEWER_PAGE_PERMISSIONS = ("change_page", "publish_page")
REVIEW_TASK = "Relecture"
WORKFLOW = "Relecture avant publication"


@transaction.atomic
def enable_moderation(home_pages) -> Workflow:
    """Create the workflow, its review task and the reviewers' group if missing, and assign the
    workflow to each home page (and so to its descendants), whose tree the reviewers may then
    edit and publish. Safe to rerun."""
    reviewers, _ = Group.objects.get_or_create(name=REVIEWERS)
    reviewers.permissions.add(permission("wagtailadmin", "access_admin"))

    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK)
    task.groups.set([reviewers])

    workflow = Workflow.objects.filter(name=WORKFLOW).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})

    page_permissions = [permission("wagtailcore", code) for code in REVIEWER_PAGE_PERMISSIONS]
    for home in home_pages:
        WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
        for page_permission in page_permissions:
            GroupPagePermission.objects.get_or_create(
                group=reviewers, page=home, permission=page_permission
            )
    return workflow
