"""The one beat schedule, and the task modules the worker loads. Run exactly one beat process."""

from __future__ import annotations

from datetime import timedelta

TASK_MODULES = (
    "workers.outbox",
    "workers.health",
    "workers.totals",
    "workers.receipts",
    "workers.treasury",
)


def beat_schedule() -> dict[str, dict[str, object]]:
    from django.conf import settings

    return {
        "outbox-relay": {
            "task": "workers.outbox.relay_outbox",
            "schedule": timedelta(seconds=settings.OUTBOX_RELAY_INTERVAL),
        },
        "worker-heartbeat": {
            "task": "workers.health.worker_heartbeat",
            "schedule": timedelta(seconds=settings.WORKER_HEARTBEAT_INTERVAL),
        },
        "treasury-resume-stalled-bank-files": {
            "task": "workers.treasury.resume_stalled_bank_files",
            "schedule": timedelta(minutes=10),
        },
    }
