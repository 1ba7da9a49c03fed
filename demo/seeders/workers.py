"""Demo rows for the workers capability: the reminders due today, and totals checked once.

Idempotent: reminders are stored under their unique key and the reconciliation only corrects drift,
so a second run adds and changes nothing.
"""

from __future__ import annotations

import random

from accounts.models import User
from pools.models import Pool
from pools.reminders import reminders_plan
from pools.totals import pool_totals_reconcile


def seed(*, people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
    """Record today's reminders for the demo pledges and reconcile every pool's totals."""
    reminders_plan()
    pool_totals_reconcile()
