"""Recompute every pool's totals now, correct drift, and print what was corrected."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from operations.jobs import job_run
from pools.models import Pool
from pools.totals import pool_totals_reconcile


class Command(BaseCommand):
    help = "Recompute all pool totals in batches (like the nightly job), correct drift, and record the run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=None, help="pools per batch")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        with (
            tqdm(
                total=Pool.objects.count(),
                unit="pool",
                desc="reconcile",
                disable=options["no_progress"],
                file=self.stderr._out,
            ) as bar,
            job_run("reconcile_pool_totals") as summary,
        ):
            summary.update(pool_totals_reconcile(batch_size=options["batch_size"], progress=bar.update))
        checked, batches, corrected = summary["pools_checked"], summary["batches"], summary["corrected"]
        self.stdout.write(f"Checked {checked} pools in {batches} batches; corrected {corrected}.")
        for row in summary["corrections"]:  # type: ignore[attr-defined]
            self.stdout.write(f"  pool {row['pool_id']}: {row['before']} -> {row['after']}")
