"""Joining a micro-fund and subscribing to shares, with the share's instalments."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from invest.funds.errors import (
    AlreadyMember,
    FundPermissionDenied,
    InvalidFundInput,
    NotMember,
)
from invest.funds.models import (
    FundMembership,
    FundRulesVersion,
    FundShare,
    ShareInstalment,
)
from invest.funds.schedules import due_dates, next_banking_day
from invest.funds.services.common import FIRST_INSTALMENT_AFTER_DAYS, _lock_fund, _whole
from invest.funds.services.rules import _rules_or_refuse
from invest.funds.services.totals import fund_totals_enqueue
from invest.models import MicroFund
from pools.models import PledgeKind, Pool, PoolKind
from pools.money import split_ore
from pools.services import pledge_create


def _share_instalments(*, share: FundShare, amount_ore: int, count: int, first_due_on: date, interval: int) -> None:
    """Instalments by split_ore (sum exact), on banking days `interval` months apart."""
    parts = split_ore(amount_ore, count)
    ShareInstalment.objects.bulk_create(
        ShareInstalment(share=share, number=n, due_on=due_on, amount_ore=part)
        for n, (due_on, part) in enumerate(
            zip(due_dates(first_due_on, count, interval_months=interval), parts, strict=True), start=1
        )
    )


def _subscribe(
    *,
    membership: FundMembership,
    pool: Pool,
    share_count: int,
    instalments: int,
    is_required: bool,
    rules: FundRulesVersion,
) -> FundShare:
    pledge = pledge_create(pool=pool, saver=membership.member, kind=PledgeKind.SHARE, share_count=share_count)
    share = FundShare.objects.create(membership=membership, pledge=pledge, is_required=is_required)
    first_due_on = next_banking_day(timezone.localdate() + timedelta(days=FIRST_INSTALMENT_AFTER_DAYS))
    _share_instalments(
        share=share,
        amount_ore=int(pledge.amount_ore or 0),
        count=instalments,
        first_due_on=first_due_on,
        interval=rules.instalment_interval_months,
    )
    return share


def _share_pool(fund: MicroFund, pool: Pool) -> Pool:
    if pool.micro_fund_id != fund.pk or pool.kind != PoolKind.SHARE_OFFER:
        raise InvalidFundInput(_("Choose one of this fund's share offers."), field="pool")
    return pool


@transaction.atomic
def fund_member_join(
    *, fund: MicroFund, user: User, pool: Pool, instalments: int = 1, voluntary_share_count: int = 0
) -> FundMembership:
    """Make the user a member by pledging the required share (and any voluntary shares) through a share offer;
    creates the instalments; queues totals and the pledge receipt. Raises FundHasNoRules, AlreadyMember,
    InvalidFundInput and the pledge's own errors (PoolClosed, PoolOversubscribed ...)."""
    if not user.is_authenticated:
        raise FundPermissionDenied()
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    pool = _share_pool(fund, pool)
    instalments = _whole(instalments, field="instalments", low=1, high=rules.max_instalments)
    voluntary = _whole(voluntary_share_count, field="voluntary_share_count", low=0, high=1_000_000)
    if voluntary and not rules.voluntary_shares_allowed:
        raise InvalidFundInput(_("This fund takes no voluntary shares."), field="voluntary_share_count")
    price = int(pool.share_price_ore or 0)
    if price <= 0 or rules.required_share_ore % price:
        raise InvalidFundInput(_("The share offer's price does not fit the required share."), field="pool")
    if FundMembership.objects.filter(fund=fund, member=user).exists():
        raise AlreadyMember()
    membership = FundMembership.objects.create(fund=fund, member=user, joined_on=timezone.localdate())
    _subscribe(
        membership=membership,
        pool=pool,
        share_count=rules.required_share_ore // price,
        instalments=instalments,
        is_required=True,
        rules=rules,
    )
    if voluntary:
        _subscribe(
            membership=membership, pool=pool, share_count=voluntary, instalments=1, is_required=False, rules=rules
        )
    fund_totals_enqueue(fund_id=fund.pk)
    return membership


@transaction.atomic
def fund_share_subscribe(*, fund: MicroFund, user: User, pool: Pool, share_count: int) -> FundShare:
    """A member subscribes voluntary shares (one instalment). Raises NotMember, InvalidFundInput, pledge errors."""
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    pool = _share_pool(fund, pool)
    membership = FundMembership.objects.filter(fund=fund, member=user).first() if user.is_authenticated else None
    if membership is None:
        raise NotMember()
    if not rules.voluntary_shares_allowed:
        raise InvalidFundInput(_("This fund takes no voluntary shares."), field="share_count")
    count = _whole(share_count, field="share_count", low=1, high=1_000_000)
    share = _subscribe(
        membership=membership, pool=pool, share_count=count, instalments=1, is_required=False, rules=rules
    )
    fund_totals_enqueue(fund_id=fund.pk)
    return share
