"""The demo village has a past: reports as of earlier dates, the monthly chart and the past fair's conversion
show real, growing figures on a fresh seed, and seeding again does not move anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Min
from django.utils import timezone

from invest.fairs.models import Fair
from invest.fairs.selectors import fair_report
from pools.models import Payment, Pledge
from treasury.reports import report_build, report_params

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _overview(days_ago: int) -> dict:
    params = report_params(as_of=timezone.localdate() - timedelta(days=days_ago), date_from=None, date_to=None)
    report = report_build(kind="overview", params=params)
    return {"pledged": report.totals["pledged_ore"], "received": report.totals["received_ore"], "report": report}


def test_seeded_demo_has_months_of_history_for_as_of_reports_and_the_past_fair():
    call_command("seed_demo", savers=8, quiet=True)
    today = timezone.localdate()
    first_pledge = Pledge.objects.aggregate(first=Min("created_at"))["first"]
    assert timezone.localtime(first_pledge).date() <= today - timedelta(days=120)
    assert Payment.objects.filter(received_on__lte=today - timedelta(days=60)).exists()

    months = [_overview(days) for days in (120, 60, 0)]
    assert 0 < months[0]["pledged"] < months[1]["pledged"] < months[2]["pledged"]
    assert 0 < months[1]["received"] < months[2]["received"]
    # The chart's months add up to the table's total received.
    monthly = months[2]["report"].monthly
    assert len(monthly) >= 4
    assert monthly[-1]["cumulative_ore"] == months[2]["received"]

    fair = Fair.objects.filter(held_on__lt=today).get()
    on_the_evening = fair_report(fair=fair, as_of=fair.held_on).totals
    now = fair_report(fair=fair).totals
    assert on_the_evening["pledged_count"] == now["pledged_count"] > 0
    assert on_the_evening["confirmed_count"] == 0 < now["confirmed_count"]  # confirmed in the days after
    assert now["received_ore"] > 0

    call_command("seed_demo", savers=8, quiet=True)  # idempotent: nothing is moved again
    assert Pledge.objects.aggregate(first=Min("created_at"))["first"] == first_pledge
