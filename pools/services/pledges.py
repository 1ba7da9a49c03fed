"""Pledges: creating one within the pool's rules, a saver's changes and withdrawal, confirming fair pledges."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from operations.outbox import enqueue
from pools.errors import (
    AmountAboveMaximum,
    AmountBelowMinimum,
    CurrencyNotSupported,
    InvalidPledge,
    PledgeKindNotAllowed,
    PledgeNotChangeable,
    PoolClosed,
    PoolOversubscribed,
)
from pools.limits import pledge_amount_check_plausible
from pools.models import (
    ACTIVE_PLEDGE_STATUSES,
    CHANGEABLE_PLEDGE_STATUSES,
    MONEY_KINDS,
    POOL_PLEDGE_KINDS,
    Pledge,
    PledgeKind,
    PledgeSource,
    PledgeStatus,
    Pool,
)
from pools.money import format_sek
from pools.offers.selectors import pledge_kind_is_regulated
from pools.offers.services import (
    regulated_pledge_change_check,
    regulated_pledge_check,
    regulated_pledge_record,
)
from pools.pledge_terms import pledge_terms_check
from pools.references import ocr_generate
from pools.selectors import pledge_may_withdraw
from pools.services.queues import RECEIPT_TASK, totals_enqueue


def _money_committed(pool: Pool, *, saver: User | None = None, exclude_pk: int | None = None) -> int:
    """Sum of active money pledges in a pool (optionally one saver's), by the database."""
    rows = Pledge.objects.filter(pool=pool, kind__in=MONEY_KINDS, status__in=ACTIVE_PLEDGE_STATUSES)
    if saver is not None:
        rows = rows.filter(saver=saver)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return int(rows.aggregate(total=Coalesce(Sum("amount_ore"), Value(0)))["total"])


def _check_money_limits(pool: Pool, *, saver: User | None, amount_ore: int, exclude_pk: int | None = None) -> None:
    """Minimum per pledge, maximum per saver and the pool's cap. The pool row must be locked."""
    lang = saver.language if saver is not None else "sv"
    pledge_amount_check_plausible(pool_kind=pool.kind, amount_ore=amount_ore, language=lang)
    if pool.min_per_saver_ore and amount_ore < pool.min_per_saver_ore:
        raise AmountBelowMinimum(
            _("The smallest pledge to this pool is %(amount)s.") % {"amount": format_sek(pool.min_per_saver_ore, lang)},
            field="amount",
        )
    if pool.max_per_saver_ore and saver is not None:
        already = _money_committed(pool, saver=saver, exclude_pk=exclude_pk)
        if already + amount_ore > pool.max_per_saver_ore:
            raise AmountAboveMaximum(
                _("You may pledge at most %(amount)s in all to this pool; you have %(already)s already.")
                % {
                    "amount": format_sek(pool.max_per_saver_ore, lang),
                    "already": format_sek(already, lang),
                },
                field="amount",
            )
    if pool.cap_ore:
        committed = _money_committed(pool, exclude_pk=exclude_pk)
        if committed + amount_ore > pool.cap_ore:
            room = max(pool.cap_ore - committed, 0)
            raise PoolOversubscribed(
                _("This pool is nearly full: at most %(room)s can still be pledged.")
                % {"room": format_sek(room, lang)},
                field="amount",
            )


def _new_confirmation_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def pledge_create(
    *,
    pool: Pool,
    saver: User | None,
    kind: str,
    source: str = PledgeSource.ONLINE,
    amount_ore: int | None = None,
    monthly_ore: int | None = None,
    months: int | None = None,
    term_months: int | None = None,
    share_count: int | None = None,
    description: str = "",
    quantity: Decimal | None = None,
    unit: str = "",
    currency: str = "SEK",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    is_name_public: bool = False,
    may_contact: bool = True,
    starts_on: date | None = None,
    risk_consent: bool = False,
) -> Pledge:
    """Record a pledge; queue totals and a receipt. A pledge to a regulated offer records its sheet version,
    assessment, consent and reflection period (pools/offers). Raises PoolClosed, PledgeKindNotAllowed,
    InvalidPledge, CurrencyNotSupported, AmountBelowMinimum, AmountAboveMaximum, PoolOversubscribed, and the
    regulated-offer errors of pools.offers.errors."""
    # The pool row lock serialises pledges to one pool, so limits hold under concurrency. Read again in the
    # community of the pool the caller holds, so the statement names the community it acts in.
    pool = Pool.objects.select_for_update().get(pk=pool.pk, community_id=cast(int, pool.community_id))
    if not pool.is_open or timezone.localdate() > pool.closes_on:
        raise PoolClosed()
    if currency != "SEK":
        raise CurrencyNotSupported(field="currency")
    if kind not in POOL_PLEDGE_KINDS.get(pool.kind, ()):
        raise PledgeKindNotAllowed(field="kind")
    if source == PledgeSource.ONLINE and saver is None:
        raise InvalidPledge(_("Log in to pledge online."))

    pledge = Pledge(
        pool=pool,
        saver=saver,
        kind=kind,
        source=source,
        status=PledgeStatus.PLEDGED,
        contact_name=contact_name.strip()[:200],
        contact_email=contact_email.strip().lower()[:254],
        contact_phone=contact_phone.strip()[:40],
        is_name_public=is_name_public,
        may_contact=may_contact,
        starts_on=starts_on,
    )
    if kind in MONEY_KINDS:
        _fill_money(
            pledge,
            pool,
            amount_ore=amount_ore,
            monthly_ore=monthly_ore,
            months=months,
            term_months=term_months,
            share_count=share_count,
        )
        _check_money_limits(pool, saver=saver, amount_ore=int(pledge.amount_ore or 0))
        regulated = regulated_pledge_check(
            pool=pool,
            saver=saver,
            kind=kind,
            source=source,
            amount_ore=int(pledge.amount_ore or 0),
            risk_consent=risk_consent,
        )
    else:
        regulated = None
        _fill_non_money(pledge, description=description, quantity=quantity, unit=unit)
    if source == PledgeSource.FAIR_CARD:
        pledge.confirmation_token = _new_confirmation_token()
        if kind in MONEY_KINDS and pledge_kind_is_regulated(pool=pool, kind=kind):
            # A card cannot go through the investor protections: it is an expression of interest, outside
            # the totals, until the saver confirms it online (pools.offers.services.pledge_interest_confirm).
            pledge.status = PledgeStatus.INTEREST
    _save_with_new_reference(pledge)
    if regulated is not None:
        regulated_pledge_record(pledge=pledge, check=regulated)
    totals_enqueue(pool_id=pool.pk)
    enqueue(RECEIPT_TASK, pledge.pk)
    return pledge


def _fill_money(
    pledge: Pledge,
    pool: Pool,
    *,
    amount_ore: int | None,
    monthly_ore: int | None,
    months: int | None,
    term_months: int | None,
    share_count: int | None,
) -> None:
    if pledge.kind == PledgeKind.SHARE and not pool.share_price_ore:
        raise PledgeKindNotAllowed(field="kind")
    terms = pledge_terms_check(
        kind=pledge.kind,
        amount_ore=amount_ore,
        monthly_ore=monthly_ore,
        months=months,
        term_months=term_months,
        share_count=share_count,
        share_price_ore=pool.share_price_ore,
    )
    pledge.amount_ore = terms.amount_ore
    if terms.share_count is not None:
        pledge.share_count = terms.share_count
    if terms.monthly_ore is not None:
        pledge.monthly_ore = terms.monthly_ore
        pledge.months = terms.months
    if terms.term_months is not None:
        pledge.term_months = terms.term_months


def _fill_non_money(pledge: Pledge, *, description: str, quantity: Decimal | None, unit: str) -> None:
    terms = pledge_terms_check(kind=pledge.kind, description=description, quantity=quantity, unit=unit)
    pledge.description = terms.description
    pledge.quantity = terms.quantity
    pledge.unit = terms.unit


def _save_with_new_reference(pledge: Pledge, attempts: int = 5) -> None:
    """Give a money pledge a fresh unique OCR reference; retry on the rare collision."""
    for _attempt in range(attempts):
        if pledge.kind in MONEY_KINDS:
            pledge.ocr_reference = ocr_generate()
        try:
            with transaction.atomic():
                pledge.save()
            return
        except IntegrityError:
            if pledge.kind not in MONEY_KINDS:
                raise
            pledge.pk = None
    raise RuntimeError("could not find a free OCR reference")


@transaction.atomic
def pledge_withdraw(*, pledge: Pledge, by: User) -> Pledge:
    """Withdraw a pledge while its pool is open: its saver may, and an organiser may withdraw a fair card's
    pledge for the person who gave the card. Raises PledgeNotChangeable."""
    pool = Pool.objects.select_for_update().get(pk=pledge.pool_id)
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if not pledge_may_withdraw(pledge=pledge, by=by):
        raise PledgeNotChangeable()
    if not pool.is_open or pledge.status not in CHANGEABLE_PLEDGE_STATUSES:
        raise PledgeNotChangeable()
    pledge.status = PledgeStatus.WITHDRAWN
    pledge.withdrawn_at = timezone.now()
    pledge.save(update_fields=["status", "withdrawn_at", "updated_at"])
    totals_enqueue(pool_id=pool.pk)
    return pledge


def pledge_krona_months(
    *, amount_ore: int | None, monthly_ore: int | None, months: int | None, term_months: int | None
) -> int:
    """Whole krona-months a support-saving pledge keeps in the bank (rounded down).

    The same rule runs in SQL for pool totals (the generated column Pledge.krona_months).
    """
    if monthly_ore and months:
        return monthly_ore * months * (months + 1) // 2 // 100
    if amount_ore and term_months:
        return amount_ore * term_months // 100
    return 0


@transaction.atomic
def pledge_change(
    *,
    pledge: Pledge,
    by: User,
    amount_ore: int | None = None,
    monthly_ore: int | None = None,
    months: int | None = None,
    term_months: int | None = None,
    share_count: int | None = None,
) -> Pledge:
    """Change a money pledge's amount, monthly amount, months, term or shares while its pool is open;
    limits re-checked under the pool lock; queues totals. Raises PledgeNotChangeable, InvalidPledge,
    AmountBelowMinimum, AmountAboveMaximum, PoolOversubscribed."""
    # Same lock order as pledge_create: pool first, then the pledge.
    pool = Pool.objects.select_for_update().get(pk=pledge.pool_id)
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if pledge.saver_id != by.pk:
        raise PledgeNotChangeable()
    if (
        not pool.is_open
        or timezone.localdate() > pool.closes_on
        or pledge.status not in CHANGEABLE_PLEDGE_STATUSES
        or pledge.kind not in MONEY_KINDS
    ):
        raise PledgeNotChangeable()
    is_monthly = pledge.monthly_ore is not None
    if pledge.kind == PledgeKind.SHARE:
        new = {"share_count": share_count if share_count is not None else pledge.share_count}
    elif is_monthly:
        new = {
            "monthly_ore": monthly_ore if monthly_ore is not None else pledge.monthly_ore,
            "months": months if months is not None else pledge.months,
        }
    else:
        new = {
            "amount_ore": amount_ore if amount_ore is not None else pledge.amount_ore,
            "term_months": term_months if term_months is not None else pledge.term_months,
        }
    # Refill on a scratch copy so a refusal leaves the row untouched.
    draft = Pledge(pool=pool, saver=pledge.saver, kind=pledge.kind)
    _fill_money(
        draft,
        pool,
        amount_ore=new.get("amount_ore"),
        monthly_ore=new.get("monthly_ore"),
        months=new.get("months"),
        term_months=new.get("term_months"),
        share_count=new.get("share_count"),
    )
    _check_money_limits(pool, saver=by, amount_ore=int(draft.amount_ore or 0), exclude_pk=pledge.pk)
    regulated_pledge_change_check(pledge=pledge, amount_ore=int(draft.amount_ore or 0))
    fields = ["amount_ore", "monthly_ore", "months", "term_months", "share_count"]
    for name in fields:
        setattr(pledge, name, getattr(draft, name))
    pledge.save(update_fields=[*fields, "updated_at"])
    totals_enqueue(pool_id=pool.pk)
    return pledge


def _fair_pledge_for_token(token: str) -> Pledge:
    """The fair pledge with this confirmation token, locked; raises PledgeNotFound."""
    from pools.errors import PledgeNotFound

    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        raise PledgeNotFound()
    pledge = Pledge.objects.select_for_update().filter(confirmation_token=token).first()
    if pledge is None:
        raise PledgeNotFound()
    return pledge


@transaction.atomic
def pledge_confirm(*, token: str, by: User | None) -> Pledge:
    """Confirm a fair pledge card by its link; a logged-in saver without a claim on it takes it over.
    Queues totals. Raises PledgeNotFound, PledgeNotChangeable."""
    pledge = _fair_pledge_for_token(token)
    if pledge.status == PledgeStatus.INTEREST:
        raise PledgeNotChangeable(
            _("This offer is regulated: log in and confirm it with the information sheet and the knowledge test.")
        )
    if pledge.status != PledgeStatus.PLEDGED:
        raise PledgeNotChangeable(_("This pledge was already answered."))
    if by is not None and pledge.saver_id not in (None, by.pk):
        raise PledgeNotChangeable(_("This pledge belongs to another account."))
    if by is not None and pledge.saver_id is None:
        pledge.saver = by
    pledge.status = PledgeStatus.CONFIRMED
    pledge.confirmed_at = timezone.now()
    pledge.save(update_fields=["saver", "status", "confirmed_at", "updated_at"])
    totals_enqueue(pool_id=pledge.pool_id)
    return pledge


@transaction.atomic
def pledge_decline(*, token: str, by: User | None) -> Pledge:
    """Decline a fair pledge card by its link: it becomes withdrawn. Queues totals.
    Raises PledgeNotFound, PledgeNotChangeable."""
    pledge = _fair_pledge_for_token(token)
    if pledge.status not in (PledgeStatus.PLEDGED, PledgeStatus.INTEREST):
        raise PledgeNotChangeable(_("This pledge was already answered."))
    if by is not None and pledge.saver_id not in (None, by.pk):
        raise PledgeNotChangeable(_("This pledge belongs to another account."))
    pledge.status = PledgeStatus.WITHDRAWN
    pledge.withdrawn_at = timezone.now()
    pledge.save(update_fields=["status", "withdrawn_at", "updated_at"])
    totals_enqueue(pool_id=pledge.pool_id)
    return pledge


@transaction.atomic
def pledge_interest_claim(*, token: str, by: User) -> Pledge:
    """Attach a fair card's expression of interest to the logged-in saver behind its link, so they can confirm
    it online. Raises PledgeNotFound, PledgeNotChangeable."""
    pledge = _fair_pledge_for_token(token)
    if pledge.status != PledgeStatus.INTEREST:
        raise PledgeNotChangeable(_("This pledge was already answered."))
    if pledge.saver_id not in (None, by.pk):
        raise PledgeNotChangeable(_("This pledge belongs to another account."))
    if pledge.saver_id is None:
        pledge.saver = by
        pledge.save(update_fields=["saver", "updated_at"])
    return pledge


@transaction.atomic
def pledge_claim_by_email(*, user: User) -> int:
    """Attach unclaimed fair cards given with the user's confirmed email to the account; returns how many.
    Nothing is claimed before the email address is confirmed."""
    if user.email_confirmed_at is None or user.is_erased or not user.email:
        return 0
    # Lock the cards in primary-key order, then claim only those still unclaimed.
    ids = list(
        Pledge.objects.select_for_update()
        .filter(saver__isnull=True, source=PledgeSource.FAIR_CARD, contact_email__iexact=user.email)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    claimed = Pledge.objects.filter(pk__in=ids, saver__isnull=True).update(saver=user, updated_at=timezone.now())
    for pool_id in sorted(set(Pledge.objects.filter(pk__in=ids).values_list("pool_id", flat=True))):
        totals_enqueue(pool_id=pool_id)
    return claimed
