"""Run queued outbox work in the test process, as the worker would (the unit-test broker has no consumer)."""

from __future__ import annotations


def run_outbox(task_name: str | None = None) -> int:
    """Run each outbox message's task once, oldest first, and remove the message; returns how many ran."""
    import workers.schedule
    from config.celery import app
    from operations.models import OutboxMessage

    for module in workers.schedule.TASK_MODULES:
        __import__(module)
    messages = OutboxMessage.objects.order_by("pk")
    if task_name is not None:
        messages = messages.filter(task_name=task_name)
    ran = 0
    for message in list(messages):
        app.tasks[message.task_name](*message.args)
        message.delete()
        ran += 1
    return ran
