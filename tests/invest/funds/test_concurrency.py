"""Two organisers engaging at once cannot both pass a limit that only one fits under (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from invest.funds.errors import FundLimitExceeded
from invest.funds.models import Loan
from invest.funds.selectors import fund_position_now
from invest.funds.services import loan_create
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_loans_never_exceed_the_per_project_limit(fund, organiser, rules, add_capital):
    add_capital(100_000_000, timezone.localdate() - timedelta(days=1))  # 25 % = 250 000 kr per project
    project = ProjectFactory()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def lend() -> None:
        try:
            barrier.wait()
            loan_create(
                fund=fund,
                by=organiser,
                project=project,
                principal_ore=10_000_000,  # 100 000 kr: only two of four fit
                term_months=12,
                disbursed_on=timezone.localdate(),
            )
            outcomes.append("made")
        except FundLimitExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=lend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["made", "made", "refused", "refused"]
    assert Loan.objects.filter(project=project).count() == 2
    assert fund_position_now(fund=fund).exposure_for_project(project.pk) == 20_000_000
