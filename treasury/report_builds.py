"""Report files prepared by a worker on the heavy queue: asked for (once per request), built with the direct
download's export code, fetched by the community's treasurers, removed after TREASURY_REPORT_BUILD_KEEP_DAYS."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from communities.models import Community, MembershipRole
from communities.selectors import community_for_role
from operations.errors import DomainError
from operations.outbox import enqueue
from operations.replica import reporting_db
from treasury.errors import (
    ReportBuildRefused,
)
from treasury.models import (
    PENDING_BUILD_STATUSES,
    ReportBuild,
    ReportBuildStatus,
    ReportFormat,
)
from treasury.reports import REPORT_KINDS, ReportParams, report_build
from treasury.selectors import treasurer_community_ids

# ---------------------------------------------------------------- report files prepared by a worker

REPORT_BUILD_TASK = "workers.reports.build_report"


def _report_build_key(**parts: object) -> str:
    """A stable name of one report request: the same parameters give the same key."""
    text = json.dumps({k: (v.isoformat() if isinstance(v, date) else v) for k, v in parts.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _report_build_community(*, by: User, community_id: int | None) -> Community:
    """The community the file covers: the one named (where `by` is a treasurer), else their first.
    Raises ReportBuildRefused."""
    ids = treasurer_community_ids(by)
    if community_id is not None:
        chosen = Community.objects.filter(pk=community_id).first()
        if chosen is None or (ids is not None and chosen.pk not in ids):
            raise ReportBuildRefused(_("You are not a treasurer of that community."), field="community")
        return chosen
    first = community_for_role(user=by, role=MembershipRole.TREASURER)
    if first is None or (ids is not None and first.pk not in ids):
        raise ReportBuildRefused(_("You are not a treasurer of any community."), field="community")
    return first


def report_build_request(
    *,
    by: User,
    kind: str,
    params: ReportParams,
    file_format: str,
    language: str,
    pool_id: int | None = None,
    community_id: int | None = None,
) -> tuple[ReportBuild, bool]:
    """Ask a worker (on the heavy queue) to prepare a report file for one community; returns (build, created).
    The same request by the same person while one is queued or being prepared returns that one and queues
    nothing. The task is published through the outbox after commit. Raises ReportBuildRefused."""
    if not by.has_perm("pools.view_reports"):
        raise ReportBuildRefused(_("Only treasurers may do this."))
    if kind not in REPORT_KINDS:
        raise ReportBuildRefused(_("Unknown report."), field="kind")
    if kind == "pool" and pool_id is None:
        raise ReportBuildRefused(_("Choose a pool."), field="pool")
    if file_format not in ReportFormat.values:
        raise ReportBuildRefused(_("Choose CSV, Excel or PDF."), field="format")
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    chosen = _report_build_community(by=by, community_id=community_id)
    key = _report_build_key(
        community=chosen.pk,
        kind=kind,
        as_of=params.as_of,
        date_from=params.date_from,
        date_to=params.date_to,
        pool=pool_id if kind == "pool" else None,
        format=file_format,
        language=language,
    )
    pending = ReportBuild.objects.filter(
        community=chosen, requested_by=by, params_key=key, status__in=PENDING_BUILD_STATUSES
    )
    try:
        with transaction.atomic():
            existing = pending.first()
            if existing is not None:
                return existing, False
            build = ReportBuild.objects.create(
                community=chosen,
                requested_by=by,
                kind=kind,
                as_of=params.as_of,
                date_from=params.date_from,
                date_to=params.date_to,
                pool_id_param=pool_id if kind == "pool" else None,
                file_format=file_format,
                language=language,
                params_key=key,
                expires_at=timezone.now() + timedelta(days=settings.TREASURY_REPORT_BUILD_KEEP_DAYS),
            )
            enqueue(REPORT_BUILD_TASK, build.pk, dedupe_key=f"reportbuild:{build.pk}")
    except IntegrityError:  # the same request twice at once: the other one won
        return pending.get(), False
    return build, True


def _report_build_claim(build_id: int) -> ReportBuild | None:
    """Mark a queued build as running (a redelivered message finds it running and builds it again, which is
    harmless: the file is replaced whole). None when it is finished or gone."""
    now = timezone.now()
    claimed = ReportBuild.objects.filter(pk=build_id, status__in=PENDING_BUILD_STATUSES).update(
        status=ReportBuildStatus.RUNNING, started_at=now, error=""
    )
    if not claimed:
        return None
    return ReportBuild.objects.select_related("community", "requested_by").get(pk=build_id)


def _report_build_fail(build: ReportBuild, message: str) -> None:
    ReportBuild.objects.filter(pk=build.pk).update(
        status=ReportBuildStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )


class _CountedRows:
    """The report's rows, counted as the file is written from them."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


def report_build_run(*, build_id: int) -> ReportBuild | None:
    """Build a requested report file with the export code of the direct download and keep it in storage;
    records the size and row count, or the failure with a readable message (a bug is re-raised after that).
    Safe to run twice: a finished build is left as it is."""
    from treasury.exports import report_copy_row_count, report_file_chunks  # as payout_export: loaded when used

    build = _report_build_claim(build_id)
    if build is None:
        return None
    with translation.override(build.language):
        try:
            allowed = treasurer_community_ids(build.requested_by)
            if not build.requested_by.has_perm("pools.view_reports") or (
                allowed is not None and build.community_id not in allowed
            ):
                raise ReportBuildRefused(_("The person who asked is no longer a treasurer of this community."))
            params = ReportParams(
                as_of=build.as_of,
                date_from=build.date_from,
                date_to=build.date_to,
                community_ids=(build.community_id,),
            )
            filename = f"{build.kind}-{build.as_of.isoformat()}.{build.file_format}"
            name = f"reports/{build.pk}/{filename}"
            # The figures are read where the report pages read them: the replica when one is configured and fit.
            with reporting_db(), tempfile.TemporaryFile() as handle:
                report = report_build(kind=build.kind, params=params, pool_id=build.pool_id_param)
                counted = _CountedRows(report.rows)
                report.rows = counted
                for chunk in report_file_chunks(report, build.file_format, language=build.language):
                    handle.write(chunk)
                if report.row_count is not None:
                    row_count = report.row_count
                elif report.rows_sql is not None and connection.vendor == "postgresql" and build.file_format != "pdf":
                    row_count = report_copy_row_count(report)  # the database wrote the rows: Python saw none
                else:
                    row_count = counted.count  # a PDF: the rows it carries (at most PDF_MAX_ROWS)
                size = handle.tell()
                handle.seek(0)
                if default_storage.exists(name):  # a run before this one got this far
                    default_storage.delete(name)
                stored = default_storage.save(name, File(handle))
        except DomainError as exc:
            _report_build_fail(build, str(exc.message))
            return ReportBuild.objects.get(pk=build.pk)
        except SoftTimeLimitExceeded:
            _report_build_fail(build, _("Preparing the file took too long. Choose a shorter period or ask again."))
            return ReportBuild.objects.get(pk=build.pk)
        except Exception as exc:
            _report_build_fail(build, _("The file could not be prepared (%(error)s).") % {"error": type(exc).__name__})
            raise
    ReportBuild.objects.filter(pk=build.pk).update(
        status=ReportBuildStatus.DONE,
        stored_file=stored,
        filename=filename,
        size_bytes=size,
        row_count=row_count,
        error="",
        finished_at=timezone.now(),
    )
    return ReportBuild.objects.get(pk=build.pk)


def report_build_expire(*, now: datetime | None = None, stalled_after: timedelta = timedelta(hours=2)) -> int:
    """Remove report builds past their expiry, with their files, and mark builds a worker left unfinished
    for `stalled_after` as failed (beat, hourly). Returns how many were removed."""
    now = now or timezone.now()
    ReportBuild.objects.filter(status=ReportBuildStatus.RUNNING, started_at__lt=now - stalled_after).update(
        status=ReportBuildStatus.FAILED,
        error=_("The worker stopped before the file was ready. Ask again."),
        finished_at=now,
    )
    removed = 0
    for build_id, name in ReportBuild.objects.filter(expires_at__lte=now).values_list("pk", "stored_file"):
        if name:
            default_storage.delete(name)
        removed += ReportBuild.objects.filter(pk=build_id).delete()[0]
    return removed
