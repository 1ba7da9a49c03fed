"""Report files through the API: ask (201, or 200 with the same build while it is prepared), follow the status,
download the file a worker built (the bytes of the direct export); bad input is a 400 naming its field;
another community's treasurer gets 404, savers 403."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from communities.models import CommunityMembership, MembershipRole
from communities.selectors import default_community
from communities.services import community_create, membership_grant
from tests.factories import UserFactory
from tests.treasury.test_export_copy import AS_OF, _history
from treasury.models import ReportBuild, ReportBuildStatus
from treasury.report_builds import report_build_run

pytestmark = pytest.mark.django_db
URL = "/api/treasury/report-builds/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _stranger():
    user = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=user).delete()
    other = community_create(name="Kvarnbyn", slug="kvarnbyn", bankgiro="5402-8741")
    membership_grant(user=user, community=other, role=MembershipRole.TREASURER)
    return user, other


def test_ask_follow_and_download(treasurer):
    _history(titles=["Kassa"], names=["Åsa"], texts=["rad"])
    api = as_user(treasurer)
    body = {"kind": "pledges", "format": "csv", "as_of": AS_OF.isoformat(), "language": "en"}
    asked = api.post(URL, body, format="json")
    assert asked.status_code == 201, asked.content
    build = asked.json()
    assert (build["status"], build["format"], build["kind"], build["download_url"]) == (
        "queued",
        "csv",
        "pledges",
        None,
    )
    assert build["community"] == default_community().pk
    again = api.post(URL, body, format="json")
    assert again.status_code == 200 and again.json()["id"] == build["id"]
    assert api.get(f"{URL}{build['id']}/download/").status_code == 409
    report_build_run(build_id=build["id"])
    done = api.get(f"{URL}{build['id']}/").json()
    assert done["status"] == "done" and done["row_count"] == 12 and done["size_bytes"] > 0
    assert done["download_url"] == f"{URL}{build['id']}/download/"
    download = api.get(done["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "text/csv"
    direct = api.get(f"/api/treasury/reports/pledges/?as_of={AS_OF.isoformat()}&export=csv", HTTP_ACCEPT_LANGUAGE="en")
    data = b"".join(download.streaming_content)
    assert data == b"".join(direct.streaming_content)
    assert data.decode("utf-8").startswith("\ufeffPledge")  # asked for in English
    assert [row["id"] for row in api.get(URL).json()] == [build["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "nonsense", "format": "csv"}, "kind"),
        ({"kind": "pools", "format": "docx"}, "format"),
        ({"kind": "pools"}, "format"),
        ({"kind": "pools", "format": "csv", "as_of": "1999-01-01"}, "as_of"),
        ({"kind": "pools", "format": "csv", "as_of": "not a day"}, "as_of"),
        ({"kind": "pool", "format": "csv"}, "pool"),
        ({"kind": "pools", "format": "csv", "community": 999999}, "community"),
        ({"kind": "pools", "format": "csv", "language": "de"}, "language"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(treasurer, body, field):
    response = as_user(treasurer).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json()), response.json()
    assert not ReportBuild.objects.exists()


def test_another_communitys_treasurer_gets_404_and_cannot_ask_for_it(treasurer):
    build = as_user(treasurer).post(URL, {"kind": "pools", "format": "csv"}, format="json").json()
    report_build_run(build_id=build["id"])
    stranger, other = _stranger()
    api = as_user(stranger)
    assert api.get(f"{URL}{build['id']}/").status_code == 404
    assert api.get(f"{URL}{build['id']}/download/").status_code == 404
    assert api.get(URL).json() == []
    refused = api.post(URL, {"kind": "pools", "format": "csv", "community": default_community().pk}, format="json")
    assert refused.status_code == 400 and "community" in str(refused.json())
    own = api.post(URL, {"kind": "pools", "format": "csv"}, format="json")
    assert own.status_code == 201 and own.json()["community"] == other.pk


def test_savers_are_refused(treasurer, saver):
    build = as_user(treasurer).post(URL, {"kind": "pools", "format": "csv"}, format="json").json()
    report_build_run(build_id=build["id"])
    api = as_user(saver)
    for url in (URL, f"{URL}{build['id']}/", f"{URL}{build['id']}/download/"):
        assert api.get(url).status_code == 403
    assert api.post(URL, {"kind": "pools", "format": "csv"}, format="json").status_code == 403


def test_a_failed_build_says_why_and_has_no_file(treasurer):
    api = as_user(treasurer)
    build = api.post(URL, {"kind": "pools", "format": "pdf"}, format="json").json()
    ReportBuild.objects.filter(pk=build["id"]).update(status=ReportBuildStatus.FAILED, error="Det tog för lång tid.")
    failed = api.get(f"{URL}{build['id']}/").json()
    assert (failed["status"], failed["error"], failed["download_url"]) == ("failed", "Det tog för lång tid.", None)
    refused = api.get(f"{URL}{build['id']}/download/")
    assert refused.status_code == 409 and refused.json()["code"] == "report_build_not_ready"
