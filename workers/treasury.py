"""Treasury background work: import a large bank file chunk by chunk, with progress on its row."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="workers.treasury.process_bank_file", acks_late=True, time_limit=1800, soft_time_limit=1780)
def process_bank_file(bank_file_id: int) -> None:
    """Import a queued bank file's payments (idempotent: lines already done are skipped); the run is
    recorded for the file's community."""
    from operations.jobs import job_run
    from treasury.selectors import bankfile_community_id
    from treasury.services import bankfile_process

    community_id = bankfile_community_id(bank_file_id)
    if community_id is None:
        # Every bank file belongs to a community: the row is gone since the task was queued (a demo database
        # seeded anew, a file deleted by hand). Nothing to import; a retry would find nothing either.
        logger.warning("process_bank_file: bank file %s no longer exists; nothing to import", bank_file_id)
        return
    with job_run("process_bank_file", community_id=community_id) as summary:
        bank_file = bankfile_process(bank_file_id=bank_file_id)
        summary.update(bank_file=bank_file_id, status=bank_file.status, processed=bank_file.processed)


@shared_task(name="workers.treasury.resume_stalled_bank_files", acks_late=True, time_limit=60, soft_time_limit=50)
def resume_stalled_bank_files() -> None:
    """Re-queue bank files whose import stopped (beat, every ten minutes)."""
    from operations.jobs import job_run
    from treasury.services import bankfile_resume_stalled

    with job_run("resume_stalled_bank_files") as summary:
        summary["queued"] = bankfile_resume_stalled()
