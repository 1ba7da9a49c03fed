from datetime import timedelta

import pytest
from django.utils import timezone

from demo.seeders import workers
from pools.models import PledgeKind, PoolTotals, Reminder
from pools.services import pledge_create
from tests.factories import PoolFactory

pytestmark = pytest.mark.django_db


def test_workers_seeder_is_idempotent(saver):
    pool = PoolFactory(closes_on=timezone.localdate() + timedelta(days=1))
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=10_000, term_months=2)
    workers.seed(people={}, pools={"p": pool}, rng=None)
    reminders = list(Reminder.objects.values_list("pk", "kind"))
    totals = PoolTotals.objects.get(pool=pool)
    workers.seed(people={}, pools={"p": pool}, rng=None)
    assert list(Reminder.objects.values_list("pk", "kind")) == reminders
    assert PoolTotals.objects.get(pool=pool).computed_at == totals.computed_at
    assert totals.pledged_ore == 10_000
