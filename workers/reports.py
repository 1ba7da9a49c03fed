"""Report files (CSV, Excel, PDF) prepared on the heavy queue instead of inside a web request."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.reports.build_report", acks_late=True, time_limit=1800, soft_time_limit=1780)
def build_report(build_id: int) -> None:
    """Prepare a requested report file and keep it for download (a finished build is left alone)."""
    from operations.jobs import job_run
    from treasury.report_builds import report_build_run
    from treasury.selectors import report_build_community_id

    with job_run("build_report", community_id=report_build_community_id(build_id)) as summary:
        build = report_build_run(build_id=build_id)
        if build is not None:
            summary.update(build=build_id, status=build.status, rows=build.row_count, size=build.size_bytes)


@shared_task(name="workers.reports.expire_report_builds", acks_late=True, time_limit=300, soft_time_limit=290)
def expire_report_builds() -> None:
    """Remove prepared report files past their expiry (beat, hourly)."""
    from operations.jobs import job_run
    from treasury.report_builds import report_build_expire

    with job_run("expire_report_builds") as summary:
        summary["removed"] = report_build_expire()
