"""The first_community migrations lose nothing: every existing row ends up in the first community, made from
the settings, and today's treasurers and organisers become its members. Runs the real migrations backwards
and forwards (django-test-migrations is not installed)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("communities", "0001_initial"),
    ("invest", "0005_merge_20261206_0504"),
    ("pools", "0012_offers_pledge_interest"),
    ("treasury", "0008_receiver_swish_audit"),
    ("operations", "0004_mail_kind_receiver_notice"),
]


@pytest.mark.django_db(transaction=True)
def test_existing_rows_and_powers_move_into_the_first_community(settings):
    settings.TREASURY_DEBTOR_NAME = "Testbyns ekonomiska förening"
    settings.TREASURY_DEBTOR_BANKGIRO = "5402-8741"
    settings.TREASURY_DEBTOR_BIC = "ESSESESS"
    settings.ASSOCIATION_SWISH_NUMBER = "123 456 78 90"
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    old = executor._create_project_state(with_applied_migrations=True).apps  # every applied migration
    old.get_model("communities", "Community").objects.all().delete()
    User = old.get_model("accounts", "User")
    Group = old.get_model("auth", "Group")
    treasurer = User.objects.create(email="kassor@example.se", password="!")
    organiser = User.objects.create(email="arrangor@example.se", password="!")
    saver = User.objects.create(email="sparare@example.se", password="!")
    treasurer.groups.add(Group.objects.get_or_create(name="treasurer")[0])
    organiser.groups.add(Group.objects.get_or_create(name="organiser")[0])
    project = old.get_model("invest", "Project").objects.create(owner=saver, name="Butik", slug="butik", place="By")
    fund = old.get_model("invest", "MicroFund").objects.create(name="Fonden", slug="fonden", organiser=organiser)
    fair = old.get_model("invest", "Fair").objects.create(
        title="Mässa",
        held_on=date(2026, 5, 1),
        starts_at="18:00",
        place="Bygdegården",
        capacity=50,
        organiser=organiser,
    )
    Pool = old.get_model("pools", "Pool")
    common = {
        "kind": "share_offer",
        "share_price_ore": 10_000,
        "target_ore": 100_000,
        "opens_on": date(2026, 1, 1),
        "closes_on": date(2026, 6, 1),
    }
    project_pool = Pool.objects.create(title="P", slug="p", project=project, **common)
    fund_pool = Pool.objects.create(title="F", slug="f", micro_fund=fund, **common)
    bank_file = old.get_model("treasury", "BankFile").objects.create(
        sha256="1" * 64, format="bgmax", content=b"x", imported_by=treasurer
    )
    batch = old.get_model("treasury", "PayoutBatch").objects.create(kind="refund", prepared_by=treasurer)

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from communities.models import Community, CommunityMembership
    from invest.models import Fair, MicroFund, Project
    from pools.models import Pool as NewPool
    from treasury.models import BankFile, PayoutBatch

    [first] = Community.objects.all()
    assert (first.name, first.payout_bankgiro, first.payout_bic, first.swish_number) == (
        "Testbyns ekonomiska förening",
        "5402-8741",
        "ESSESESS",
        "1234567890",
    )
    for model, pk in (
        (Project, project.pk),
        (MicroFund, fund.pk),
        (Fair, fair.pk),
        (NewPool, project_pool.pk),
        (NewPool, fund_pool.pk),
        (BankFile, bank_file.pk),
        (PayoutBatch, batch.pk),
    ):
        assert model.objects.get(pk=pk).community_id == first.pk, model
    assert set(CommunityMembership.objects.values_list("user__email", "role")) == {
        ("kassor@example.se", "treasurer"),
        ("arrangor@example.se", "organiser"),
        ("arrangor@example.se", "fund_manager"),
    }
    # The audit triggers of the rebuilt tables still write (SQLite drops them with a table rebuild).
    from treasury.models import AuditEvent

    NewPool.objects.filter(pk=project_pool.pk).update(status="open")
    assert AuditEvent.objects.filter(table_name="pools_pool", row_id=project_pool.pk, action="update").exists()
