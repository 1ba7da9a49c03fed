"""The Celery app object; tasks live in workers/, the beat schedule in workers/schedule.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lokalkapital")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _load_schedule(sender: Celery, **kwargs: object) -> None:
    from workers.schedule import TASK_MODULES, beat_schedule

    sender.conf.imports = TASK_MODULES
    sender.conf.beat_schedule = beat_schedule()


@app.on_after_configure.connect
def _ensure_broker_dirs(sender: Celery, **kwargs: object) -> None:
    """The filesystem transport needs its folders to exist before any process uses them."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key], exist_ok=True)
