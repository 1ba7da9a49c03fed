"""Services of the saver's path: pledge_change, fair-card confirm/decline/claim, idempotent creation."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from pools.errors import (
    AmountAboveMaximum,
    AmountBelowMinimum,
    CurrencyNotSupported,
    IdempotencyConflict,
    InvalidPledge,
    PledgeNotChangeable,
    PledgeNotFound,
    PoolClosed,
    PoolOversubscribed,
)
from pools.models import IdempotencyKey, Pledge, PledgeKind, PledgeSource, PledgeStatus, PoolStatus
from pools.references import ocr_is_valid
from pools.selectors import pledge_due
from pools.services import (
    pledge_change,
    pledge_claim_by_email,
    pledge_confirm,
    pledge_create,
    pledge_create_idempotent,
    pledge_decline,
)
from tests.factories import PoolFactory, ShareOfferPoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def monthly(pool, saver, monthly_ore=50_000, months=12):
    return pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=monthly_ore, months=months)


def fair_card(pool, email="kort@example.se", amount_ore=100_000):
    return pledge_create(
        pool=pool,
        saver=None,
        kind=PledgeKind.SUPPORT_SAVING,
        source=PledgeSource.FAIR_CARD,
        amount_ore=amount_ore,
        term_months=12,
        contact_email=email,
        contact_name="Kortfyllare",
    )


# ---------------------------------------------------------------- pledge_create refusals


def test_pledge_create_gives_monthly_saving_a_valid_ocr_reference(pool, saver):
    pledge = monthly(pool, saver)
    assert pledge.amount_ore == 600_000
    assert ocr_is_valid(pledge.ocr_reference)


@pytest.mark.parametrize(
    ("setup", "kwargs", "error"),
    [
        ({"status": PoolStatus.SUCCEEDED}, {"amount_ore": 1000, "term_months": 12}, PoolClosed),
        ({"min_per_saver_ore": 10_000}, {"amount_ore": 9_999, "term_months": 12}, AmountBelowMinimum),
        ({"max_per_saver_ore": 10_000}, {"amount_ore": 10_001, "term_months": 12}, AmountAboveMaximum),
        ({"cap_ore": 10_000}, {"amount_ore": 10_001, "term_months": 12}, PoolOversubscribed),
        ({}, {"amount_ore": 1000, "term_months": 12, "currency": "EUR"}, CurrencyNotSupported),
        ({}, {"amount_ore": -1, "term_months": 12}, InvalidPledge),
        ({}, {"amount_ore": 10**18, "term_months": 12}, InvalidPledge),
        ({}, {"amount_ore": 1000, "term_months": 10_000}, InvalidPledge),
    ],
)
def test_pledge_create_refuses_and_writes_nothing(saver, setup, kwargs, error):
    pool = PoolFactory(**setup)
    with pytest.raises(error):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, **kwargs)
    assert Pledge.objects.count() == 0


# ---------------------------------------------------------------- pledge_change


def test_pledge_change_updates_monthly_amount_and_total(pool, saver):
    pledge = monthly(pool, saver)
    changed = pledge_change(pledge=pledge, by=saver, monthly_ore=70_000)
    changed.refresh_from_db()
    assert (changed.monthly_ore, changed.months, changed.amount_ore) == (70_000, 12, 840_000)


def test_pledge_change_updates_term_of_lump_sum(pool, saver):
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100_000, term_months=12)
    pledge_change(pledge=pledge, by=saver, term_months=24)
    pledge.refresh_from_db()
    assert (pledge.amount_ore, pledge.term_months) == (100_000, 24)


def test_pledge_change_rechecks_per_saver_maximum_excluding_itself(saver):
    pool = PoolFactory(max_per_saver_ore=1_000_000)
    pledge = monthly(pool, saver, monthly_ore=50_000, months=10)  # 500 000
    pledge_change(pledge=pledge, by=saver, months=20)  # 1 000 000: exactly the maximum, allowed
    with pytest.raises(AmountAboveMaximum):
        pledge_change(pledge=pledge, by=saver, months=21)
    pledge.refresh_from_db()
    assert pledge.months == 20 and pledge.amount_ore == 1_000_000


def test_pledge_change_refuses_over_the_pool_cap(saver, other_saver):
    pool = PoolFactory(cap_ore=1_000_000)
    monthly(pool, other_saver, monthly_ore=50_000, months=10)
    pledge = monthly(pool, saver, monthly_ore=50_000, months=10)
    with pytest.raises(PoolOversubscribed):
        pledge_change(pledge=pledge, by=saver, monthly_ore=50_001)
    pledge.refresh_from_db()
    assert pledge.monthly_ore == 50_000


def test_pledge_change_refuses_another_savers_pledge(pool, saver, other_saver):
    pledge = monthly(pool, saver)
    with pytest.raises(PledgeNotChangeable):
        pledge_change(pledge=pledge, by=other_saver, monthly_ore=1)
    pledge.refresh_from_db()
    assert pledge.monthly_ore == 50_000


def test_pledge_change_refuses_when_pool_closed_or_pledge_withdrawn(pool, saver):
    pledge = monthly(pool, saver)
    Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.WITHDRAWN)
    with pytest.raises(PledgeNotChangeable):
        pledge_change(pledge=pledge, by=saver, monthly_ore=1000)
    other = monthly(pool, saver)
    type(pool).objects.filter(pk=pool.pk).update(status=PoolStatus.SUCCEEDED)
    with pytest.raises(PledgeNotChangeable):
        pledge_change(pledge=other, by=saver, monthly_ore=1000)


def test_pledge_change_refuses_non_money_pledge(pool, saver):
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SKILL, description="Bokföring")
    with pytest.raises(PledgeNotChangeable):
        pledge_change(pledge=pledge, by=saver, amount_ore=100)


def test_pledge_change_shares_recomputes_amount(saver):
    pool = ShareOfferPoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=2)
    pledge_change(pledge=pledge, by=saver, share_count=3)
    pledge.refresh_from_db()
    assert (pledge.share_count, pledge.amount_ore) == (3, 150_000)


def test_pledge_change_refuses_bad_values_and_keeps_the_row(pool, saver):
    pledge = monthly(pool, saver)
    for bad in (0, -5, 10**12, "12"):
        with pytest.raises(InvalidPledge):
            pledge_change(pledge=pledge, by=saver, monthly_ore=bad)
    pledge.refresh_from_db()
    assert pledge.monthly_ore == 50_000


# ---------------------------------------------------------------- fair cards


def test_pledge_confirm_confirms_card_and_attaches_logged_in_saver(pool, saver):
    card = fair_card(pool)
    confirmed = pledge_confirm(token=card.confirmation_token, by=saver)
    assert confirmed.status == PledgeStatus.CONFIRMED
    assert confirmed.saver_id == saver.pk
    assert confirmed.confirmed_at is not None


def test_pledge_confirm_without_account_keeps_card_anonymous(pool):
    card = fair_card(pool)
    confirmed = pledge_confirm(token=card.confirmation_token, by=None)
    assert confirmed.status == PledgeStatus.CONFIRMED and confirmed.saver_id is None


def test_pledge_confirm_twice_is_refused(pool):
    card = fair_card(pool)
    pledge_confirm(token=card.confirmation_token, by=None)
    with pytest.raises(PledgeNotChangeable):
        pledge_confirm(token=card.confirmation_token, by=None)


def test_pledge_confirm_refuses_card_of_another_account(pool, saver, other_saver):
    card = fair_card(pool)
    Pledge.objects.filter(pk=card.pk).update(saver=saver)
    with pytest.raises(PledgeNotChangeable):
        pledge_confirm(token=card.confirmation_token, by=other_saver)
    card.refresh_from_db()
    assert card.status == PledgeStatus.PLEDGED


@pytest.mark.parametrize("token", ["", "x", "a" * 65, "' OR 1=1 --" * 3, "nonexistent-token-0123456789"])
def test_pledge_confirm_and_decline_refuse_unknown_tokens(pool, token):
    fair_card(pool)
    with pytest.raises(PledgeNotFound):
        pledge_confirm(token=token, by=None)
    with pytest.raises(PledgeNotFound):
        pledge_decline(token=token, by=None)


def test_pledge_decline_withdraws_card(pool):
    card = fair_card(pool)
    declined = pledge_decline(token=card.confirmation_token, by=None)
    assert declined.status == PledgeStatus.WITHDRAWN and declined.withdrawn_at is not None
    with pytest.raises(PledgeNotChangeable):
        pledge_confirm(token=card.confirmation_token, by=None)


def test_pledge_claim_by_email_claims_only_matching_unclaimed_cards_after_confirmation(pool):
    user = UserFactory(email="kort@example.se", roles=(Role.SAVER,))
    mine = fair_card(pool, email="KORT@example.se")
    fair_card(pool, email="annan@example.se")
    assert pledge_claim_by_email(user=user) == 0  # email not confirmed yet: nothing claimed
    user.email_confirmed_at = timezone.now()
    user.save()
    assert pledge_claim_by_email(user=user) == 1
    assert list(Pledge.objects.filter(saver=user).values_list("pk", flat=True)) == [mine.pk]
    assert pledge_claim_by_email(user=user) == 0  # idempotent


def test_pledge_claim_by_email_ignores_online_pledges_of_others(pool, saver):
    user = UserFactory(email="x@example.se", roles=(Role.SAVER,), email_confirmed_at=timezone.now())
    pledge_create(
        pool=pool,
        saver=saver,
        kind=PledgeKind.SUPPORT_SAVING,
        amount_ore=1000,
        term_months=1,
        contact_email="x@example.se",
    )
    assert pledge_claim_by_email(user=user) == 0


# ---------------------------------------------------------------- idempotency


def _respond(pledge):
    return {"id": pledge.pk, "ocr": pledge.ocr_reference}


def test_pledge_create_idempotent_replays_first_response(pool, saver):
    args = dict(user=saver, key="k1", request_hash="h", respond=_respond, pool=pool, kind=PledgeKind.SUPPORT_SAVING)
    first = pledge_create_idempotent(amount_ore=1000, term_months=1, **args)
    again = pledge_create_idempotent(amount_ore=1000, term_months=1, **args)
    assert first[0] == 201 and first[2] is False
    assert again == (201, first[1], True)
    assert Pledge.objects.count() == 1
    assert IdempotencyKey.objects.filter(user=saver, key="k1").count() == 1


def test_pledge_create_idempotent_refuses_same_key_with_other_request(pool, saver):
    pledge_create_idempotent(
        user=saver, key="k1", request_hash="h1", respond=_respond, pool=pool,
        kind=PledgeKind.SUPPORT_SAVING, amount_ore=1000, term_months=1,
    )  # fmt: skip
    with pytest.raises(IdempotencyConflict):
        pledge_create_idempotent(
            user=saver, key="k1", request_hash="h2", respond=_respond, pool=pool,
            kind=PledgeKind.SUPPORT_SAVING, amount_ore=2000, term_months=1,
        )  # fmt: skip
    assert Pledge.objects.count() == 1


def test_pledge_create_idempotent_writes_no_key_when_refused(saver):
    pool = PoolFactory(status=PoolStatus.SUCCEEDED)
    with pytest.raises(PoolClosed):
        pledge_create_idempotent(
            user=saver, key="k1", request_hash="h", respond=_respond, pool=pool,
            kind=PledgeKind.SUPPORT_SAVING, amount_ore=1000, term_months=1,
        )  # fmt: skip
    assert not IdempotencyKey.objects.exists()


# ---------------------------------------------------------------- what is due


def test_pledge_due_for_monthly_saving_counts_instalments_up_to_today(pool, saver):
    pledge = monthly(pool, saver, monthly_ore=10_000, months=6)
    Pledge.objects.filter(pk=pledge.pk).update(starts_on=date(2026, 1, 31))
    pledge.refresh_from_db()
    due = pledge_due(pledge=pledge, received_ore=10_000, today=date(2026, 3, 15))
    # Instalments fall on 01-31 and 02-28 (Saturdays: moved to 02-02 and 03-02); 03-31 is still ahead:
    # 20 000 due, 10 000 received.
    assert due.due_now_ore == 10_000
    assert due.remaining_ore == 50_000
    assert due.next_due_on == date(2026, 3, 2)
    assert due.estimated_points == 10_000 * 6 * 7 // 2 // 100


def test_first_monthly_instalment_of_a_pledge_made_on_a_sunday_falls_on_monday(pool, saver):
    pledge = monthly(pool, saver, monthly_ore=10_000, months=6)
    Pledge.objects.filter(pk=pledge.pk).update(starts_on=date(2026, 12, 6))  # a Sunday
    pledge.refresh_from_db()
    on_sunday = pledge_due(pledge=pledge, received_ore=0, today=date(2026, 12, 6))
    assert (on_sunday.next_due_on, on_sunday.due_now_ore) == (date(2026, 12, 7), 0)
    assert on_sunday.pay_now_ore == 10_000  # the first instalment, as the scan code asks
    # The instalment of 2027-01-06 (Epiphany, a public holiday) falls on the 7th.
    paid_one = pledge_due(pledge=pledge, received_ore=10_000, today=date(2026, 12, 8))
    assert paid_one.next_due_on == date(2027, 1, 7)
    assert pledge_due(pledge=pledge, received_ore=10_000, today=date(2027, 1, 6)).due_now_ore == 0
    assert pledge_due(pledge=pledge, received_ore=10_000, today=date(2027, 1, 7)).due_now_ore == 10_000


def test_pledge_due_for_lump_sum_falls_on_pool_close(pool, saver):
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100_000, term_months=12)
    before = pledge_due(pledge=pledge, received_ore=0, today=pool.closes_on - timedelta(days=1))
    after = pledge_due(pledge=pledge, received_ore=0, today=pool.closes_on)
    assert (before.due_now_ore, after.due_now_ore) == (0, 100_000)
    assert before.estimated_points == 1000 * 12


# ---------------------------------------------------------------- concurrency (PostgreSQL)


def _race(n, work):
    barrier = threading.Barrier(n)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(i):
        try:
            barrier.wait()
            result = work(i)
        except Exception as exc:  # collected and asserted on below
            result = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_pledges_never_oversubscribe_a_capped_pool():
    pool = PoolFactory(cap_ore=500_000)
    savers = [UserFactory(roles=(Role.SAVER,)) for _ in range(8)]

    def work(i):
        return pledge_create(
            pool=pool, saver=savers[i], kind=PledgeKind.SUPPORT_SAVING, amount_ore=100_000, term_months=12
        )

    outcomes = _race(8, work)
    accepted = [o for o in outcomes if isinstance(o, Pledge)]
    refused = [o for o in outcomes if isinstance(o, PoolOversubscribed)]
    assert len(accepted) == 5 and len(refused) == 3, outcomes
    total = sum(Pledge.objects.filter(pool=pool).values_list("amount_ore", flat=True))
    assert total == 500_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_changes_never_exceed_the_cap():
    pool = PoolFactory(cap_ore=1_000_000)
    savers = [UserFactory(roles=(Role.SAVER,)) for _ in range(4)]
    pledges = [
        pledge_create(pool=pool, saver=s, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=10_000, months=10) for s in savers
    ]  # 400 000 in all; each tries to grow to 400 000

    outcomes = _race(4, lambda i: pledge_change(pledge=pledges[i], by=savers[i], months=40))
    assert sum(isinstance(o, Pledge) for o in outcomes) == 2
    total = sum(Pledge.objects.filter(pool=pool).values_list("amount_ore", flat=True))
    assert total <= 1_000_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_retries_with_one_idempotency_key_create_one_pledge():
    pool = PoolFactory()
    saver = UserFactory(roles=(Role.SAVER,))

    def work(_i):
        return pledge_create_idempotent(
            user=saver, key="same", request_hash="h", respond=_respond, pool=pool,
            kind=PledgeKind.SUPPORT_SAVING, amount_ore=1000, term_months=1,
        )  # fmt: skip

    outcomes = _race(6, work)
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert len({o[1]["id"] for o in outcomes}) == 1
    assert Pledge.objects.filter(pool=pool).count() == 1
