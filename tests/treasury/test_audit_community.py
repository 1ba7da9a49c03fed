"""The audit triggers record each audited row's community (on SQLite and PostgreSQL alike: run this file on
both), a payment's earlier rows get theirs once its bank-file line or first match is written, the data
migration fills rows written before, and the audit trail is scoped by that column: rows of no community are
shown to platform staff only."""

from __future__ import annotations

import importlib
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from communities.models import Community, CommunityMembership, MembershipRole
from communities.services import community_create, membership_grant
from invest.services import project_swish_number_set
from pools.models import Payment, PaymentAllocation, PaymentChannel, Pledge, Pool, PoolStatus
from pools.services import payment_allocate, payment_record
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.helpers import money_pledge
from treasury.models import AuditEvent, PayoutBatch, PayoutKind, PayoutLine, PayoutReason
from treasury.selectors import audit_event_list
from treasury.services import bankfile_import

pytestmark = pytest.mark.django_db


def treasurer_of(community: Community):
    user = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=user).delete()  # the factory's default-community membership
    membership_grant(user=user, community=community, role=MembershipRole.TREASURER)
    return user


@pytest.fixture
def two():
    """Two communities, each with a pool of its own project and a money pledge to it."""
    made = []
    for name, slug, bankgiro in (
        ("Åsbyns byalag", "asbyn", "5402-9681"),
        ("Kvarnbyns byalag", "kvarnbyn", "5402-8741"),
    ):
        community = community_create(name=name, slug=slug, bankgiro=bankgiro)
        pool = PoolFactory(project=ProjectFactory(community=community), bankgiro=bankgiro)
        pledge = money_pledge(pool, amount_ore=10_000)
        made.append(SimpleNamespace(community=community, pool=pool, pledge=pledge, bankgiro=bankgiro))
    return made


def community_of(table: str, row_id: int, action: str = "insert") -> list[int | None]:
    return list(
        AuditEvent.objects.filter(table_name=table, row_id=row_id, action=action)
        .order_by("pk")
        .values_list("community_id", flat=True)
    )


def test_pools_pledges_and_status_changes_record_their_community(two):
    for side in two:
        assert community_of("pools_pool", side.pool.pk) == [side.community.pk]
        assert community_of("pools_pledge", side.pledge.pk) == [side.community.pk]
        Pool.objects.filter(pk=side.pool.pk).update(status=PoolStatus.FAILED)
        assert community_of("pools_pool", side.pool.pk, "update") == [side.community.pk]
        Pledge.objects.filter(pk=side.pledge.pk).update(contact_name="Changed")
        assert community_of("pools_pledge", side.pledge.pk, "update") == [side.community.pk]


def test_bulk_inserted_pledges_record_their_community(two):
    # One statement inserting rows of two communities (per-statement trigger on PostgreSQL).
    rows = Pledge.objects.bulk_create(
        [
            Pledge(pool=side.pool, kind="gift", source="treasurer", amount_ore=5_000, ocr_reference=f"12345{i}0")
            for i, side in enumerate(two)
        ]
    )
    for row, side in zip(rows, two, strict=True):
        pk = row.pk or Pledge.objects.get(ocr_reference=row.ocr_reference).pk
        assert community_of("pools_pledge", pk) == [side.community.pk]


def test_a_manual_payment_gets_its_community_at_its_first_match(two):
    side = two[1]
    treasurer = treasurer_of(side.community)
    payment = payment_record(amount_ore=10_000, received_on=date(2026, 3, 5), channel=PaymentChannel.MANUAL)
    assert community_of("pools_payment", payment.pk) == [None]  # nothing says whose it is yet
    payment_allocate(payment=payment, parts=[(side.pledge, 10_000)], by=treasurer)
    assert community_of("pools_payment", payment.pk) == [side.community.pk]  # the insert row, filled in
    assert set(community_of("pools_payment", payment.pk, "update")) == {side.community.pk}
    allocation = PaymentAllocation.objects.get(payment=payment)
    assert community_of("pools_paymentallocation", allocation.pk) == [side.community.pk]


def test_a_bank_file_payment_gets_its_files_community(two):
    side = two[0]
    treasurer = treasurer_of(side.community)
    content = bgmax([BgPayment(reference=side.pledge.ocr_reference, amount_ore=10_000)], bankgiro=side.bankgiro)
    bankfile_import(content=content, filename="asbyn.txt", by=treasurer, community=side.community)
    payment = Payment.objects.get(reference=side.pledge.ocr_reference)
    assert community_of("pools_payment", payment.pk) == [side.community.pk]
    # The community the import named for its payments (PostgreSQL) ends with them: a payment recorded
    # afterwards in the same transaction is nobody's until it is matched.
    later = payment_record(amount_ore=5_000, received_on=date(2026, 3, 6), channel=PaymentChannel.MANUAL)
    assert community_of("pools_payment", later.pk) == [None]


def test_an_unmatched_bank_file_payment_gets_its_files_community_too(two):
    side = two[1]
    treasurer = treasurer_of(side.community)
    content = bgmax([BgPayment(reference="", amount_ore=7_700, name="Okänd")], bankgiro=side.bankgiro)
    bankfile_import(content=content, filename="kvarnbyn.txt", by=treasurer, community=side.community)
    payment = Payment.objects.get(amount_ore=7_700)
    assert not payment.allocations.exists()
    assert community_of("pools_payment", payment.pk) == [side.community.pk]


def test_payout_lists_and_lines_record_their_community(two):
    side = two[1]
    treasurer = treasurer_of(side.community)
    batch = PayoutBatch.objects.create(community=side.community, kind=PayoutKind.REFUND, prepared_by=treasurer)
    line = PayoutLine.objects.create(
        batch=batch,
        pledge=side.pledge,
        pool=side.pool,
        amount_ore=1_000,
        reason=PayoutReason.WITHDRAWN,
        payee_name="Anna",
        payee_account="SE4550000000058398257466",
    )
    assert community_of("treasury_payoutbatch", batch.pk) == [side.community.pk]
    assert community_of("treasury_payoutline", line.pk) == [side.community.pk]


def test_a_swish_number_change_records_the_projects_community_and_a_refund_account_none(two):
    side = two[0]
    project = side.pool.project
    project_swish_number_set(project=project, by=project.owner, swish_number="123 456 78 90")
    assert community_of("invest_project", project.pk, "update") == [side.community.pk]
    saver = UserFactory(roles=(Role.SAVER,))
    type(saver).objects.filter(pk=saver.pk).update(refund_iban="SE4550000000058398257466")
    assert community_of("accounts_user", saver.pk, "update") == [None]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_audit_trail_is_scoped_by_the_events_community(two):
    mine, other = two
    treasurer = treasurer_of(mine.community)
    saver = UserFactory(roles=(Role.SAVER,))
    type(saver).objects.filter(pk=saver.pk).update(refund_iban="SE4550000000058398257466")
    seen = audit_event_list(user=treasurer)
    assert set(seen.values_list("community_id", flat=True)) == {mine.community.pk}
    assert not seen.filter(table_name="accounts_user").exists()  # no community: platform staff only
    rows = api(treasurer).get(reverse("api:treasury-audit"), {"table": "pools_pledge"}).json()
    results = rows["results"] if isinstance(rows, dict) else rows
    assert {row["row_id"] for row in results} == {mine.pledge.pk}
    assert {row["community"] for row in results} == {mine.community.pk}  # each event names its community
    staff = UserFactory(roles=(Role.TREASURER,), is_staff=True)
    everything = audit_event_list(user=staff)
    assert everything.filter(table_name="accounts_user", row_id=saver.pk).exists()
    assert {mine.community.pk, other.community.pk} <= set(everything.values_list("community_id", flat=True))


def test_the_data_migration_fills_rows_written_without_a_community(two):
    fill = importlib.import_module("treasury.migrations.0013_audit_events_fill_community").fill_community
    side = two[1]
    earlier = AuditEvent.objects.create(
        table_name="pools_pledge", row_id=side.pledge.pk, action="insert", at=side.pledge.created_at
    )
    gone = AuditEvent.objects.create(table_name="pools_pledge", row_id=999_999, action="delete", at=earlier.at)
    person = AuditEvent.objects.create(table_name="accounts_user", row_id=1, action="update", at=earlier.at)
    fill(None, SimpleNamespace(connection=connection))
    earlier.refresh_from_db()
    gone.refresh_from_db()
    person.refresh_from_db()
    assert earlier.community_id == side.community.pk
    assert gone.community_id is None and person.community_id is None


@pytest.mark.postgres
def test_the_append_only_rule_allows_only_filling_a_missing_community(two):
    side = two[0]
    event = AuditEvent.objects.filter(table_name="pools_pledge", row_id=side.pledge.pk).get()
    for change in ({"community_id": two[1].community.pk}, {"community_id": None}, {"row_id": 1}):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(**change)
    blank = AuditEvent.objects.create(table_name="pools_pledge", row_id=side.pledge.pk, action="insert", at=event.at)
    assert AuditEvent.objects.filter(pk=blank.pk).update(community_id=side.community.pk) == 1
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=blank.pk).update(community_id=side.community.pk, action="delete")
