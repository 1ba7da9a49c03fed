"""Report files on the treasurer's pages: a report with more rows than TREASURY_REPORT_DIRECT_MAX_ROWS offers its
CSV, Excel and PDF as files a worker prepares (smaller ones keep their direct downloads); the list of one's
files refreshes itself while one is prepared; a file downloads only for its community's treasurers."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.roles import Role
from communities.models import CommunityMembership, MembershipRole
from communities.services import community_create, membership_grant
from operations.models import OutboxMessage
from tests.factories import UserFactory
from tests.treasury.test_export_copy import AS_OF, _history
from tests.twofactor import login_verified
from treasury.models import ReportBuild, ReportBuildStatus
from treasury.report_builds import REPORT_BUILD_TASK, report_build_run

pytestmark = pytest.mark.django_db
DAY = AS_OF.isoformat()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(treasurer) -> Client:
    client = Client()
    login_verified(client, treasurer)
    return client


def _prepare(client: Client, kind: str = "pledges", file_format: str = "csv", **extra):
    return client.post(f"/treasury/reports/{kind}/prepare/", {"as_of": DAY, "file_format": file_format, **extra})


def test_a_small_report_keeps_its_direct_downloads(page):
    _history(titles=["Kassa"], names=["Åsa"], texts=["rad"])
    html = page.get(f"/treasury/reports/pledges/?as_of={DAY}").content.decode()
    assert "export=csv" in html and "export=xlsx" in html and "export=pdf" in html
    assert "/prepare/" not in html
    direct = page.get(f"/treasury/reports/pledges/?as_of={DAY}&export=csv")
    assert direct.status_code == 200 and direct["Content-Type"].startswith("text/csv")


def test_a_large_report_offers_files_prepared_by_a_worker(page, settings):
    _history(titles=["Kassa"], names=["Åsa"], texts=["rad"])  # 12 pledges
    settings.TREASURY_REPORT_DIRECT_MAX_ROWS = 11
    html = page.get(f"/treasury/reports/pledges/?as_of={DAY}").content.decode()
    assert 'action="/treasury/reports/pledges/prepare/"' in html
    assert 'name="file_format" value="xlsx"' in html and 'name="file_format" value="pdf"' in html
    assert f'name="as_of" value="{DAY}"' in html
    assert "export=csv" not in html
    assert "12" in html  # the row count the sentence names
    settings.TREASURY_REPORT_DIRECT_MAX_ROWS = 12
    assert "export=csv" in page.get(f"/treasury/reports/pledges/?as_of={DAY}").content.decode()


def test_preparing_queues_one_build_and_asking_again_shows_it(page, treasurer):
    response = _prepare(page)
    assert response.status_code == 302 and response["Location"] == "/treasury/report-files/"
    build = ReportBuild.objects.get()
    assert (build.kind, build.as_of, build.file_format, build.requested_by) == ("pledges", AS_OF, "csv", treasurer)
    assert OutboxMessage.objects.filter(task_name=REPORT_BUILD_TASK, args=[build.pk]).count() == 1
    listing = page.get("/treasury/report-files/").content.decode()
    assert "Tas fram" in listing  # the status, in the treasurer's Swedish
    assert 'hx-get="/treasury/report-files/?part=list"' in listing and 'hx-trigger="every 3s"' in listing
    again = _prepare(page)
    assert again.status_code == 302 and ReportBuild.objects.count() == 1
    followed = page.get(again["Location"]).content.decode()
    assert "Du har redan beställt den här filen" in followed


def test_bad_input_is_refused_with_a_message_never_a_500(page):
    for data in ({"as_of": DAY, "file_format": "docx"}, {"as_of": "not a day", "file_format": "csv"}):
        response = page.post("/treasury/reports/pledges/prepare/", data)
        assert response.status_code == 302 and response["Location"] == "/treasury/report-files/"
    refused = page.post("/treasury/reports/pool/prepare/", {"as_of": DAY, "file_format": "csv"})
    assert refused.status_code == 302
    assert "Välj en insamling" in page.get(refused["Location"]).content.decode()
    assert page.post("/treasury/reports/nonsense/prepare/", {"file_format": "csv"}).status_code == 404
    assert not ReportBuild.objects.exists()


def test_a_ready_file_is_listed_and_downloads_with_the_direct_exports_bytes(page):
    _history(titles=["Kassa"], names=["Åsa"], texts=["rad"])
    _prepare(page)
    build = report_build_run(build_id=ReportBuild.objects.get().pk)
    listing = page.get("/treasury/report-files/").content.decode()
    assert "hx-get" not in listing.split('id="report-files"')[1].split(">")[0]  # nothing to wait for
    assert f"/treasury/report-files/{build.pk}/download/" in listing
    partial = page.get("/treasury/report-files/?part=list")
    assert partial.content.decode().startswith('<div id="report-files"')
    download = page.get(f"/treasury/report-files/{build.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="pledges-{DAY}.csv"'
    direct = page.get(f"/treasury/reports/pledges/?as_of={DAY}&export=csv")
    assert b"".join(download.streaming_content) == b"".join(direct.streaming_content)


def test_a_failed_build_shows_its_reason(page, treasurer):
    _prepare(page)
    build = ReportBuild.objects.get()
    ReportBuild.objects.filter(pk=build.pk).update(status=ReportBuildStatus.FAILED, error="Det tog för lång tid.")
    listing = page.get("/treasury/report-files/")
    assert listing.status_code == 200 and "Det tog för lång tid." in listing.content.decode()
    assert page.get(f"/treasury/report-files/{build.pk}/download/").status_code == 404


def test_only_the_communitys_treasurers_download_the_file(page, treasurer, saver):
    _prepare(page)
    build = report_build_run(build_id=ReportBuild.objects.get().pk)
    url = f"/treasury/report-files/{build.pk}/download/"
    colleague = UserFactory(roles=(Role.TREASURER,))
    stranger = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=stranger).delete()
    other = community_create(name="Kvarnbyn", slug="kvarnbyn", bankgiro="5402-8741")
    membership_grant(user=stranger, community=other, role=MembershipRole.TREASURER)
    for user, expected in ((colleague, 200), (stranger, 404), (saver, 403)):
        client = Client()
        login_verified(client, user)
        assert client.get(url).status_code == expected, user
    # The colleague may download it but does not see it among their own files.
    client = Client()
    login_verified(client, colleague)
    assert url not in client.get("/treasury/report-files/").content.decode()
    assert Client().get(url).status_code == 302  # anonymous: to the login page
