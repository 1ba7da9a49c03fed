"""Changing where a project or fund is paid by Swish redirects savers' money: every change is in the audit
trail (who, when, before, after) and mailed to the project's owner or the fund's organiser."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import Role
from invest.errors import ReceiverSettingRefused
from invest.models import Project
from invest.services import fund_swish_number_set, project_swish_number_set
from operations.models import MailDelivery, MailKind
from tests.factories import MicroFundFactory, ProjectFactory, UserFactory
from tests.outbox import run_outbox
from tests.twofactor import login_verified
from treasury.audit import audit_actor
from treasury.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner():
    return UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER), language="en", full_name="Olle Ägare")


@pytest.fixture
def project(owner):
    return ProjectFactory(owner=owner, name="Byacaféet")


@pytest.fixture
def organiser():
    return UserFactory(roles=(Role.ORGANISER,), language="sv", full_name="Greta Organisatör")


@pytest.fixture
def fund(organiser):
    return MicroFundFactory(organiser=organiser, name="Ödeby mikrofond")


def _events(table: str, row_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(table_name=table, row_id=row_id).order_by("pk"))


def _notices() -> list:
    run_outbox()
    return [m for m in mail.outbox if "Swish" in m.subject]


def test_a_project_change_is_audited_with_who_when_before_and_after(project, owner):
    with audit_actor(owner):
        project_swish_number_set(project=project, by=owner, swish_number="123 456 78 90")
        project_swish_number_set(project=project, by=owner, swish_number="1231181189")
    first, second = _events("invest_project", project.pk)
    assert first.action == "update" and first.actor_id == owner.pk and first.at is not None
    assert first.before["swish_number"] == "" and first.after["swish_number"] == "1234567890"
    assert second.before["swish_number"] == "1234567890" and second.after["swish_number"] == "1231181189"
    assert set(second.after) == {"id", "name", "owner_id", "swish_number"}  # nothing else of the row
    assert second.after["owner_id"] == owner.pk and second.after["name"] == "Byacaféet"


def test_the_same_number_again_is_neither_audited_nor_mailed(project, owner):
    project_swish_number_set(project=project, by=owner, swish_number="1234567890")
    _notices()
    mail.outbox.clear()
    project_swish_number_set(project=project, by=owner, swish_number="123 456 78 90")
    assert len(_events("invest_project", project.pk)) == 1
    assert _notices() == []


def test_other_project_edits_are_not_audited(project):
    Project.objects.filter(pk=project.pk).update(name="Nytt namn", summary="x")
    assert _events("invest_project", project.pk) == []


def test_a_write_that_bypasses_the_service_is_still_audited(project):
    # The admin, a shell, a bulk update: the trigger sees them all (no mail: only the service sends it).
    Project.objects.filter(pk=project.pk).update(swish_number="1239999990")
    (event,) = _events("invest_project", project.pk)
    assert event.after["swish_number"] == "1239999990" and event.actor_id is None


def test_the_owner_is_mailed_when_an_organiser_changes_the_number(project, owner):
    staff = UserFactory(roles=(Role.ORGANISER,), full_name="Siv Staff")
    project_swish_number_set(project=project, by=owner, swish_number="1234567890")
    _notices()
    mail.outbox.clear()
    project_swish_number_set(project=project, by=staff, swish_number="1231181189")
    (notice,) = _notices()
    assert notice.to == [owner.email]
    assert notice.subject == "The Swish number of Byacaféet was changed"
    assert "Before: 123 456 78 90" in notice.body and "Now: 123 118 11 89" in notice.body
    assert f"Changed by: Siv Staff ({staff.email})" in notice.body
    assert f"/my/projects/{project.pk}/swish/" in notice.body
    deliveries = MailDelivery.objects.filter(kind=MailKind.RECEIVER_NOTICE).order_by("pk")
    assert [(d.status, d.to) for d in deliveries] == [("sent", owner.email)] * 2  # one record per change


def test_the_owner_is_mailed_about_their_own_change_too(project, owner):
    # A stolen session must not redirect the money quietly: the owner hears of every change.
    project_swish_number_set(project=project, by=owner, swish_number="1234567890")
    (notice,) = _notices()
    assert notice.to == [owner.email] and "Before: none" in notice.body and "– you" in notice.body


def test_a_refused_change_is_neither_audited_nor_mailed(project):
    intruder = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER))
    with pytest.raises(ReceiverSettingRefused):
        project_swish_number_set(project=project, by=intruder, swish_number="1234567890")
    assert _events("invest_project", project.pk) == [] and _notices() == []


def test_a_fund_change_is_audited_and_mailed_to_its_organiser_in_swedish(fund, organiser):
    with audit_actor(organiser):
        fund_swish_number_set(fund=fund, by=organiser, swish_number="1231112223")
        fund_swish_number_set(fund=fund, by=organiser, swish_number="")
    first, cleared = _events("invest_microfund", fund.pk)
    assert first.actor_id == organiser.pk and first.after == {
        "id": fund.pk,
        "name": "Ödeby mikrofond",
        "organiser_id": organiser.pk,
        "swish_number": "1231112223",
    }
    assert cleared.before["swish_number"] == "1231112223" and cleared.after["swish_number"] == ""
    notices = _notices()
    assert [m.to for m in notices] == [[organiser.email], [organiser.email]]
    assert notices[0].subject == "Swishnumret för Ödeby mikrofond har ändrats"
    assert "Nu: 123 111 22 23" in notices[0].body and f"/funds/{fund.slug}/swish/" in notices[0].body


def test_api_patch_is_audited_as_the_token_user_and_mailed(project, owner):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=owner)[0].key}")
    assert api.patch(f"/api/projects/{project.pk}/", {"swish_number": "1234567890"}, format="json").status_code == 200
    (event,) = _events("invest_project", project.pk)
    assert event.actor_id == owner.pk and event.after["swish_number"] == "1234567890"
    assert [m.to for m in _notices()] == [[owner.email]]


def test_api_patch_of_a_fund_by_another_organiser_leaves_no_trace(fund):
    other = UserFactory(roles=(Role.ORGANISER,))
    api = APIClient()
    login_verified(api, other)
    assert api.patch(f"/api/funds/{fund.pk}/", {"swish_number": "1234567890"}, format="json").status_code == 403
    assert _events("invest_microfund", fund.pk) == [] and _notices() == []


def test_page_change_is_audited_as_the_logged_in_user(client, fund, organiser):
    login_verified(client, organiser)
    assert client.post(reverse("web:fund-swish", args=[fund.slug]), {"swish_number": "1231112223"}).status_code == 302
    (event,) = _events("invest_microfund", fund.pk)
    assert event.actor_id == organiser.pk
    assert len(_notices()) == 1


def test_the_treasurers_audit_api_filters_on_the_receiver_tables(project, owner):
    project_swish_number_set(project=project, by=owner, swish_number="1234567890")
    treasurer = UserFactory(roles=(Role.TREASURER,))
    api = APIClient()
    login_verified(api, treasurer)
    response = api.get("/api/treasury/audit/", {"table": "invest_project", "row_id": project.pk})
    assert response.status_code == 200, response.content
    rows = response.json()["results"] if isinstance(response.json(), dict) else response.json()
    assert [r["after"]["swish_number"] for r in rows] == ["1234567890"]


def test_the_notice_is_skipped_for_an_erased_owner(project, owner):
    from django.utils import timezone

    project_swish_number_set(project=project, by=UserFactory(roles=(Role.ORGANISER,)), swish_number="1234567890")
    type(owner).objects.filter(pk=owner.pk).update(erased_at=timezone.now())
    assert _notices() == []
    assert MailDelivery.objects.get(kind=MailKind.RECEIVER_NOTICE).status == "skipped"


def test_triggers_exist_on_this_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE '%swish_audit'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%swish_audit'")
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"invest_project_swish_audit", "invest_microfund_swish_audit"}


def test_the_treasurers_audit_page_shows_the_change(client, project, owner):
    with audit_actor(owner):
        project_swish_number_set(project=project, by=owner, swish_number="1234567890")
    treasurer = UserFactory(roles=(Role.TREASURER,), language="en")
    login_verified(client, treasurer)
    page = client.get("/treasury/audit/", {"table": "invest_project", "row_id": project.pk}).content.decode()
    assert f"invest_project #{project.pk}" in page and "swish_number" in page and "1234567890" in page
    assert "Olle" in page  # who


def test_the_swish_page_says_changes_are_recorded_and_mailed(client, project, owner):
    login_verified(client, owner)
    page = client.get(reverse("web:project-swish", args=[project.pk])).content.decode()
    assert 'id="swish-audit-note"' in page and "mailed to the project's owner" in page
