"""Bank-file imports travel on the heavy queue: a real worker consuming only that queue imports a large
file, a worker consuming only the default queue leaves it waiting there, and short tasks reach only that one."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.integration.conftest import redis_purge
from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.helpers import money_pledge, ocr
from tests.waiting import wait_until
from treasury.models import BankFile, BankFileStatus
from treasury.services import bankfile_import

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _large_file(pool, saver) -> bytes:
    money_pledge(pool, saver, amount_ore=100_000_000, reference=ocr(70001))
    count = settings.TREASURY_WORKER_THRESHOLD + 10
    return bgmax([BgPayment(100 + i, ocr(70001) if i % 2 else "", name=f"Örjan {i}") for i in range(count)])


def _waiting_on(queue: str) -> int:
    import redis

    return int(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).llen(queue))


def test_a_bank_file_waits_on_the_heavy_queue_until_a_heavy_worker_imports_it(
    celery_process_factory, pool, saver, treasurer
):
    redis_purge(settings.REDIS_URL)
    light = celery_process_factory("worker", args=("-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--concurrency=1"))
    bank_file = bankfile_import(content=_large_file(pool, saver), filename="big.txt", by=treasurer)
    assert bank_file.status == BankFileStatus.QUEUED
    # Published after commit (the outbox): it lands on "heavy", which the default-queue worker does not read.
    wait_until(lambda: _waiting_on(settings.HEAVY_QUEUE) == 1, timeout=30, what="the import on the heavy queue")
    assert BankFile.objects.get(pk=bank_file.pk).status == BankFileStatus.QUEUED
    assert "process_bank_file[" not in light.log()  # the task banner names it; a received task shows its id
    heavy = celery_process_factory("worker", args=("-Q", settings.HEAVY_QUEUE, "--concurrency=1"))
    wait_until(
        lambda: BankFile.objects.get(pk=bank_file.pk).status == BankFileStatus.DONE, timeout=120, what="the import"
    )
    done = BankFile.objects.get(pk=bank_file.pk)
    assert done.processed == done.payments_created == settings.TREASURY_WORKER_THRESHOLD + 10
    assert "workers.treasury.process_bank_file[" in heavy.log()
    assert "process_bank_file[" not in light.log()
    # With both workers up, a short task reaches the default-queue worker only: no copy on the heavy queue.
    from config.celery import app

    app.send_task("workers.health.worker_heartbeat")
    wait_until(lambda: "worker_heartbeat[" in light.log(), timeout=30, what="the heartbeat on the default queue")
    assert _waiting_on(settings.HEAVY_QUEUE) == 0
    assert "worker_heartbeat[" not in heavy.log()


def test_a_report_file_is_built_by_a_worker_that_reads_only_the_heavy_queue(
    celery_process_factory, pool, saver, treasurer
):
    from django.core.files.storage import default_storage
    from django.utils import timezone, translation

    from treasury.exports import report_http_response
    from treasury.models import ReportBuild, ReportBuildStatus
    from treasury.report_builds import report_build_request
    from treasury.reports import report_build, report_params

    redis_purge(settings.REDIS_URL)
    for number in range(30):
        money_pledge(pool, saver, amount_ore=10_000 + number, reference=ocr(71000 + number))
    heavy = celery_process_factory("worker", args=("-Q", settings.HEAVY_QUEUE, "--concurrency=1"))
    params = report_params(as_of=timezone.localdate(), date_from=None, date_to=None)
    build, created = report_build_request(by=treasurer, kind="pledges", params=params, file_format="csv", language="sv")
    assert created
    wait_until(
        lambda: ReportBuild.objects.get(pk=build.pk).status in (ReportBuildStatus.DONE, ReportBuildStatus.FAILED),
        timeout=120,
        what="the report file",
    )
    done = ReportBuild.objects.get(pk=build.pk)
    assert done.status == ReportBuildStatus.DONE, done.error
    assert "workers.reports.build_report[" in heavy.log()
    with default_storage.open(done.stored_file.name, "rb") as handle:  # the media folder the worker wrote to
        built = handle.read()
    with translation.override("sv"):
        direct = report_http_response(report_build(kind="pledges", params=params, user=treasurer), "csv")
        assert built == b"".join(direct.streaming_content)
    assert done.row_count == 30
