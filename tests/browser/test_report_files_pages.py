"""Report files in a real browser: a large report offers "Prepare CSV/Excel/PDF"; pressing one leads to the
Report files page, which refreshes itself until the worker's file is ready and then offers the download;
phone and desktop, sv and en."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.factories import UserFactory
from tests.treasury.test_export_copy import AS_OF, _history
from tests.twofactor import login_verified
from treasury.models import ReportBuild, ReportBuildStatus
from treasury.report_builds import report_build_request, report_build_run
from treasury.reports import report_params

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_report_files_pages(live_server, chromium_browser, screenshot, settings, tmp_path):
    from accounts.roles import Role

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TREASURY_REPORT_DIRECT_MAX_ROWS = 10  # the history below has 12 pledges: a "large" report
    treasurer = UserFactory(roles=(Role.TREASURER,))
    _history(titles=["Bygdekassan", "Byns café"], names=["Åsa Öberg", "Kjell"], texts=["rad"])
    params = report_params(as_of=AS_OF, date_from=None, date_to=None)
    ready, _ = report_build_request(by=treasurer, kind="ledger", params=params, file_format="xlsx", language="sv")
    report_build_run(build_id=ready.pk)
    failed, _ = report_build_request(by=treasurer, kind="savers", params=params, file_format="pdf", language="sv")
    ReportBuild.objects.filter(pk=failed.pk).update(
        status=ReportBuildStatus.FAILED, error="Det tog för lång tid att ta fram filen."
    )

    client = Client()
    login_verified(client, treasurer)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    for language in ("sv", "en"):
        treasurer.language = language
        treasurer.save(update_fields=["language"])
        for label, viewport in (("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900})):
            context = chromium_browser.new_context(viewport=viewport)
            context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
            page = context.new_page()
            response = page.goto(f"{live_server.url}/treasury/reports/pledges/?as_of={AS_OF.isoformat()}")
            assert response is not None and response.status == 200
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("a[href*='export=csv']").count() == 0
            screenshot(page, f"{language}-{label}-report")
            page.locator("button[name=file_format][value=csv]").click()
            page.wait_for_url(f"{live_server.url}/treasury/report-files/")
            build = ReportBuild.objects.filter(kind="pledges", language=language).latest("pk")
            assert build.status == ReportBuildStatus.QUEUED
            screenshot(page, f"{language}-{label}-files-queued")
            # The worker finishes; the page shows the download without being reloaded.
            report_build_run(build_id=build.pk)
            link = page.locator(f"a[href='/treasury/report-files/{build.pk}/download/']").first  # the report's name
            link.wait_for(timeout=10_000)
            screenshot(page, f"{language}-{label}-files-ready")
            with page.expect_download() as download:
                link.click()
            assert download.value.suggested_filename == f"pledges-{AS_OF.isoformat()}.csv"
            ReportBuild.objects.filter(pk=build.pk).delete()  # the next round asks afresh
            context.close()
