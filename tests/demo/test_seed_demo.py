import pytest
from django.core.management import call_command

from accounts.models import User
from invest.models import MicroFund, Project
from pools.models import Payment, PaymentAllocation, Pledge, Pool, PoolKind, PoolTotals

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (User, Project, MicroFund, Pool, Pledge, Payment, PaymentAllocation)]


def test_seed_demo_builds_a_village_and_a_second_run_changes_nothing():
    call_command("seed_demo", "--savers", "25", "--quiet")
    first = counts()
    assert {p.kind for p in Pool.objects.all()} == set(PoolKind.values)
    assert Pledge.objects.filter(saver__email__startswith="sparare0").exists()
    assert Payment.objects.exists() and MicroFund.objects.exists()
    totals = PoolTotals.objects.get(pool__slug="andelar-vind")
    assert totals.pledged_ore > 0 and totals.computed_at is not None
    call_command("seed_demo", "--savers", "25", "--quiet")
    assert counts() == first


def test_seed_demo_grows_with_more_savers():
    call_command("seed_demo", "--savers", "5", "--quiet")
    before = User.objects.count()
    call_command("seed_demo", "--savers", "8", "--quiet")
    assert User.objects.count() == before + 3


def test_demo_logins_work_for_each_role(client):
    call_command("seed_demo", "--savers", "1", "--quiet")
    for email in ("sparare@demo.lokalkapital.se", "kassor@demo.lokalkapital.se", "arrangor@demo.lokalkapital.se"):
        assert client.login(username=email, password="lokal-demo-2026")
