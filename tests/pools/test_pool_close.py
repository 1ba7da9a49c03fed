"""Closing pools on their closing date by their funding rule, with the savers told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ReminderKind
from pools.errors import PoolNotClosable
from pools.models import FundingRule, PledgeKind, PoolStatus, Reminder
from pools.services import pledge_create, pool_close, pools_close_due
from tests.factories import PoolFactory

pytestmark = pytest.mark.django_db


def _pool_with_pledge(saver, *, rule, minimum_ore=None, amount_ore=100_000, closes_in=-1):
    pool = PoolFactory(funding_rule=rule, minimum_ore=minimum_ore)
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=amount_ore, term_months=12)
    pool.closes_on = timezone.localdate() + timedelta(days=closes_in)
    pool.save(update_fields=["closes_on"])
    return pool


def test_all_or_nothing_under_minimum_fails_and_tells_savers(saver, other_saver):
    pool = _pool_with_pledge(saver, rule=FundingRule.ALL_OR_NOTHING, minimum_ore=500_000, closes_in=0)
    pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100_000, term_months=3)
    pool.closes_on = timezone.localdate() - timedelta(days=1)
    pool.save(update_fields=["closes_on"])

    closed = pool_close(pool_id=pool.pk)

    assert closed.status == PoolStatus.FAILED
    assert closed.closed_at is not None
    reminders = Reminder.objects.filter(pool=pool, kind=ReminderKind.POOL_OUTCOME)
    assert sorted(r.saver_id for r in reminders) == sorted([saver.pk, other_saver.pk])
    assert {r.period for r in reminders} == {"failed"}


def test_all_or_nothing_reaching_minimum_succeeds(saver):
    pool = _pool_with_pledge(saver, rule=FundingRule.ALL_OR_NOTHING, minimum_ore=100_000)
    assert pool_close(pool_id=pool.pk).status == PoolStatus.SUCCEEDED


def test_all_or_nothing_without_minimum_needs_its_target(saver):
    pool = _pool_with_pledge(saver, rule=FundingRule.ALL_OR_NOTHING, amount_ore=100_000)
    assert pool_close(pool_id=pool.pk).status == PoolStatus.FAILED  # target is 1 000 000 kr


def test_keep_what_you_raise_succeeds_under_minimum(saver):
    pool = _pool_with_pledge(saver, rule=FundingRule.KEEP_WHAT_YOU_RAISE, minimum_ore=900_000)
    assert pool_close(pool_id=pool.pk).status == PoolStatus.SUCCEEDED


def test_pool_is_not_closed_on_its_closing_day(saver):
    pool = _pool_with_pledge(saver, rule=FundingRule.KEEP_WHAT_YOU_RAISE, closes_in=0)
    with pytest.raises(PoolNotClosable):
        pool_close(pool_id=pool.pk)


def test_closing_twice_changes_nothing_and_tells_once(saver):
    pool = _pool_with_pledge(saver, rule=FundingRule.ALL_OR_NOTHING, minimum_ore=1)
    pool_close(pool_id=pool.pk)
    closed_at = pool.__class__.objects.get(pk=pool.pk).closed_at
    again = pool_close(pool_id=pool.pk)
    assert again.status == PoolStatus.SUCCEEDED and again.closed_at == closed_at
    assert Reminder.objects.filter(pool=pool).count() == 1


def test_close_due_closes_only_pools_past_their_day(saver):
    due = _pool_with_pledge(saver, rule=FundingRule.ALL_OR_NOTHING, minimum_ore=900_000)
    not_due = _pool_with_pledge(saver, rule=FundingRule.ALL_OR_NOTHING, minimum_ore=900_000, closes_in=2)
    result = pools_close_due()
    assert result == {"succeeded": [], "failed": [due.pk]}
    not_due.refresh_from_db()
    assert not_due.status == PoolStatus.OPEN
    assert pools_close_due() == {"succeeded": [], "failed": []}
