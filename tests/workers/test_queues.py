"""Heavy jobs (bank-file imports, reconciliation, statement and report builds) go to their own queue;
everything else stays on the default one, and a worker started without -Q consumes both."""

from __future__ import annotations

import pytest
from django.conf import settings

from config.celery import app
from workers.schedule import TASK_MODULES

HEAVY = {
    "workers.treasury.process_bank_file",
    "workers.totals.reconcile_pool_totals",
    "workers.statements.send_yearly_statements",
    # Report files: built where the media storage is shared with the web, and removed there after expiry.
    "workers.reports.build_report",
    "workers.reports.expire_report_builds",
}


def queue_of(task_name: str) -> str:
    """The queue Celery's router sends the task to (what send_task and the outbox relay use)."""
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.fixture(scope="module")
def task_names() -> set[str]:
    app.loader.import_default_modules()
    names = {name for name in app.tasks if name.startswith("workers.")}
    assert {module.removeprefix("workers.") for module in TASK_MODULES} <= {n.split(".")[1] for n in names}
    return names


def test_heavy_jobs_are_routed_to_the_heavy_queue(task_names):
    assert task_names >= HEAVY
    for name in HEAVY:
        assert queue_of(name) == settings.HEAVY_QUEUE == "heavy", name
    # Report builds and exports run as tasks go there too, by their module.
    assert queue_of("workers.reports.build_report") == "heavy"


def test_every_other_task_stays_on_the_default_queue(task_names):
    light = task_names - HEAVY
    assert {
        "workers.mail.send_mail_delivery",
        "workers.outbox.relay_outbox",
        "workers.health.worker_heartbeat",
    } <= light
    for name in light:
        assert queue_of(name) == settings.CELERY_TASK_DEFAULT_QUEUE == "celery", name


def test_each_queue_is_bound_by_its_own_routing_key():
    # Two queues bound by one key on the direct exchange would each get a copy of a message sent through it.
    keys = {name: queue.routing_key for name, queue in app.amqp.queues.items()}
    assert keys == {"celery": "celery", "heavy": "heavy"}
    for name in ("workers.treasury.process_bank_file", "workers.mail.send_mail_delivery"):
        route = app.amqp.router.route({}, name)
        assert route["queue"].routing_key == route["queue"].name


def test_a_worker_without_queue_options_consumes_both_queues():
    # `celery worker` with no -Q consumes every queue in task_queues: `make run` and the test workers
    # import bank files without naming the heavy queue.
    assert set(app.amqp.queues) == {"celery", "heavy"}
    assert app.conf.task_default_queue == "celery"
