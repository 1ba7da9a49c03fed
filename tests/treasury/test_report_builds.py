"""Report files prepared by a worker: one pending build per request (asking twice returns it), published
through the outbox as workers.reports.build_report, built by the same export code as the direct download
(the same CSV bytes, the same Excel cells), failures recorded readably, scoped to the community's treasurers,
removed with their files after the keep period."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.http import Http404
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.roles import Role
from communities.models import CommunityMembership, MembershipRole
from communities.selectors import default_community
from communities.services import community_create, membership_grant
from operations.models import OutboxMessage
from tests.factories import UserFactory
from tests.treasury.test_export_copy import AS_OF, TRICKY, _history
from treasury.errors import ReportBuildRefused
from treasury.exports import report_http_response
from treasury.models import ReportBuild, ReportBuildStatus
from treasury.report_builds import REPORT_BUILD_TASK, report_build_expire, report_build_request, report_build_run
from treasury.reports import report_build, report_params
from treasury.selectors import report_build_get, report_build_list

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _params(**kwargs):
    return report_params(as_of=kwargs.get("as_of", AS_OF), date_from=kwargs.get("date_from"), date_to=None)


def _request(by, kind="pledges", file_format="csv", language="sv", as_of=AS_OF, **kwargs):
    return report_build_request(
        by=by, kind=kind, params=_params(as_of=as_of), file_format=file_format, language=language, **kwargs
    )


def _direct(by, kind, file_format, language, pool_id=None) -> bytes:
    """The file the report page's direct download gives the same treasurer."""
    with translation.override(language):
        report = report_build(kind=kind, params=_params(), pool_id=pool_id, user=by)
        response = report_http_response(report, file_format, language=language)
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content


def _stored(build: ReportBuild) -> bytes:
    with default_storage.open(build.stored_file.name, "rb") as handle:
        return handle.read()


def test_asking_twice_while_queued_returns_the_same_build_and_queues_one_task(treasurer):
    first, created = _request(treasurer)
    again, created_again = _request(treasurer)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and first.status == ReportBuildStatus.QUEUED
    assert first.community == default_community() and first.expires_at > timezone.now() + timedelta(days=6)
    messages = OutboxMessage.objects.filter(task_name=REPORT_BUILD_TASK)
    assert [m.args for m in messages] == [[first.pk]]
    # Other parameters, formats or languages are other requests.
    assert _request(treasurer, file_format="xlsx")[1] is True
    assert _request(treasurer, language="en")[1] is True
    assert _request(treasurer, as_of=date(2026, 5, 1))[1] is True
    # Another treasurer asking the same gets a build of their own.
    other = UserFactory(roles=(Role.TREASURER,))
    assert _request(other)[0].pk != first.pk


def test_a_finished_build_is_not_returned_again(treasurer):
    first, _ = _request(treasurer)
    report_build_run(build_id=first.pk)
    second, created = _request(treasurer)
    assert created and second.pk != first.pk


def test_the_task_is_published_after_commit(treasurer, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    from config.celery import app

    monkeypatch.setattr(app, "send_task", lambda name, args=None, **kw: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        build, _ = _request(treasurer)
        assert sent == []  # nothing leaves before the row is committed
    assert sent == [(REPORT_BUILD_TASK, [build.pk])]
    assert OutboxMessage.objects.get(task_name=REPORT_BUILD_TASK).dispatched_at is not None


@pytest.mark.parametrize("kind", ["pledges", "ledger", "pool", "pools", "overview"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_built_csv_has_the_bytes_of_the_direct_download(treasurer, kind, language):
    first_pool = _history(titles=TRICKY[:5], names=TRICKY[5:], texts=TRICKY)
    pool_id = first_pool if kind == "pool" else None
    build, _ = _request(treasurer, kind=kind, language=language, pool_id=pool_id)
    done = report_build_run(build_id=build.pk)
    assert done.status == ReportBuildStatus.DONE, done.error
    data = _stored(done)
    assert data == _direct(treasurer, kind, "csv", language, pool_id)
    assert done.size_bytes == len(data) and done.filename == f"{kind}-{AS_OF.isoformat()}.csv"
    assert done.finished_at is not None and done.error == ""


def test_built_csv_counts_its_rows(treasurer):
    _history(titles=["Kassa", "Café"], names=["Åsa", "Bo"], texts=["rad"])
    build, _ = _request(treasurer, kind="pledges")
    done = report_build_run(build_id=build.pk)
    data = _stored(done).decode("utf-8")
    assert done.row_count == 12 == len(data.strip("\n").split("\n")) - 1


def _cells(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("kind", ["pledges", "savers"])
def test_built_excel_has_the_cells_of_the_direct_download(treasurer, kind):
    _history(titles=TRICKY[:5], names=TRICKY[5:], texts=TRICKY)
    build, _ = _request(treasurer, kind=kind, file_format="xlsx", language="en")
    done = report_build_run(build_id=build.pk)
    assert done.status == ReportBuildStatus.DONE, done.error
    built = _cells(_stored(done))
    assert built == _cells(_direct(treasurer, kind, "xlsx", "en"))
    with translation.override("en"):
        assert built[0][0] == str(report_build(kind=kind, params=_params()).title)
    assert len(built) == 3 + done.row_count


def test_built_pdf_is_a_pdf(treasurer):
    _history(titles=["Kassa"], names=["Åsa"], texts=["rad"])
    build, _ = _request(treasurer, kind="overview", file_format="pdf")
    done = report_build_run(build_id=build.pk)
    assert done.status == ReportBuildStatus.DONE, done.error
    assert _stored(done).startswith(b"%PDF") and done.size_bytes > 1000


def test_running_twice_leaves_the_finished_build_alone(treasurer):
    build, _ = _request(treasurer)
    done = report_build_run(build_id=build.pk)
    assert report_build_run(build_id=build.pk) is None
    assert ReportBuild.objects.get(pk=build.pk).stored_file.name == done.stored_file.name
    assert default_storage.listdir(f"reports/{build.pk}")[1] == [done.filename]


def test_a_redelivered_run_replaces_the_file_whole(treasurer):
    build, _ = _request(treasurer)
    ReportBuild.objects.filter(pk=build.pk).update(status=ReportBuildStatus.RUNNING)  # a worker died mid-build
    default_storage.save(f"reports/{build.pk}/pledges-{AS_OF.isoformat()}.csv", io.BytesIO(b"half a file"))
    done = report_build_run(build_id=build.pk)
    assert done.status == ReportBuildStatus.DONE
    assert _stored(done) == _direct(treasurer, "pledges", "csv", "sv")
    assert default_storage.listdir(f"reports/{build.pk}")[1] == [done.filename]


def test_a_domain_failure_is_recorded_readably(treasurer):
    build, _ = _request(treasurer, kind="pool", pool_id=10**12, language="en")
    # The pool report of a pool that does not exist is empty, not an error; make the requester lose the role.
    CommunityMembership.objects.filter(user=treasurer).delete()
    other = community_create(name="Annan by", slug="annan", bankgiro="5402-8741")
    membership_grant(user=treasurer, community=other, role=MembershipRole.TREASURER)
    failed = report_build_run(build_id=build.pk)
    assert failed.status == ReportBuildStatus.FAILED
    assert failed.error == "The person who asked is no longer a treasurer of this community."
    assert not failed.stored_file and failed.finished_at is not None


def test_a_bug_is_recorded_and_raised(treasurer, monkeypatch):
    build, _ = _request(treasurer, language="sv")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("treasury.exports.report_csv_chunks", broken)
    with pytest.raises(ZeroDivisionError):
        report_build_run(build_id=build.pk)
    failed = ReportBuild.objects.get(pk=build.pk)
    assert failed.status == ReportBuildStatus.FAILED
    assert failed.error == "Filen kunde inte tas fram (ZeroDivisionError)."


def test_a_soft_time_limit_is_recorded(treasurer, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    build, _ = _request(treasurer, language="en")

    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("treasury.exports.report_csv_chunks", slow)
    failed = report_build_run(build_id=build.pk)
    assert failed.status == ReportBuildStatus.FAILED and "took too long" in failed.error


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"kind": "pool"}, "pool"),
        ({"file_format": "docx"}, "format"),
    ],
)
def test_bad_requests_are_refused_with_their_field(treasurer, change, field):
    with pytest.raises(ReportBuildRefused) as refused:
        _request(treasurer, **change)
    assert refused.value.field == field
    assert not ReportBuild.objects.exists()


def test_a_saver_cannot_request_a_build(saver):
    with pytest.raises(ReportBuildRefused):
        _request(saver)


def test_another_communitys_treasurer_cannot_request_for_it_nor_see_it(treasurer):
    other_community = community_create(name="Kvarnbyn", slug="kvarnbyn", bankgiro="5402-8741")
    stranger = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=stranger).delete()
    membership_grant(user=stranger, community=other_community, role=MembershipRole.TREASURER)
    with pytest.raises(ReportBuildRefused) as refused:
        _request(stranger, community_id=default_community().pk)
    assert refused.value.field == "community"
    build, _ = _request(treasurer)
    with pytest.raises(Http404):
        report_build_get(build_id=build.pk, user=stranger)
    assert list(report_build_list(user=stranger, mine_only=False)) == []
    # A colleague in the same community may fetch it, but does not have it in their own list.
    colleague = UserFactory(roles=(Role.TREASURER,))
    assert report_build_get(build_id=build.pk, user=colleague) == build
    assert list(report_build_list(user=colleague)) == []
    assert list(report_build_list(user=treasurer)) == [build]


def test_a_saver_sees_no_build(treasurer, saver):
    build, _ = _request(treasurer)
    with pytest.raises(Http404):
        report_build_get(build_id=build.pk, user=saver)


def test_a_build_covers_only_its_community(treasurer):
    from tests.factories import PoolFactory, ProjectFactory
    from tests.treasury.helpers import money_pledge

    other_community = community_create(name="Kvarnbyn", slug="kvarnbyn", bankgiro="5402-8741")
    own_pool = PoolFactory(title="Vår kassa")
    foreign_pool = PoolFactory(project=ProjectFactory(community=other_community), title="Deras kassa")
    money_pledge(own_pool, UserFactory(), amount_ore=10_000)
    money_pledge(foreign_pool, UserFactory(), amount_ore=20_000)
    staff = UserFactory(roles=(Role.TREASURER,), is_staff=True)  # sees every community's figures directly
    build, _ = _request(staff, kind="pools", as_of=timezone.localdate())
    data = _stored(report_build_run(build_id=build.pk)).decode("utf-8")
    assert "Vår kassa" in data and "Deras kassa" not in data


def test_expired_builds_go_with_their_files_and_stalled_ones_fail(treasurer):
    old, _ = _request(treasurer)
    old = report_build_run(build_id=old.pk)
    fresh, _ = _request(treasurer, file_format="xlsx")
    fresh = report_build_run(build_id=fresh.pk)
    stalled, _ = _request(treasurer, language="en")
    now = timezone.now()
    ReportBuild.objects.filter(pk=old.pk).update(expires_at=now - timedelta(minutes=1))
    ReportBuild.objects.filter(pk=stalled.pk).update(
        status=ReportBuildStatus.RUNNING, started_at=now - timedelta(hours=3)
    )
    assert default_storage.exists(old.stored_file.name)
    assert report_build_expire(now=now) == 1
    assert not ReportBuild.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old.stored_file.name)
    assert default_storage.exists(fresh.stored_file.name)
    assert ReportBuild.objects.get(pk=stalled.pk).status == ReportBuildStatus.FAILED
    # Seven days on, everything is gone.
    assert report_build_expire(now=now + timedelta(days=8)) == 2
    assert not ReportBuild.objects.exists() and not default_storage.exists(fresh.stored_file.name)
