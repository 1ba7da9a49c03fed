"""Yearly statements: each saver's year per pool, and each owner's or micro-fund's per-lender CSV.

Reproducible as of a year end, like treasury/reports.py: rows count only when recorded before the first
instant of the next year (Europe/Stockholm) and, for payments, dated within the year; nothing reads a current
status or a stored total, so payments, withdrawals or refunds in a later year never change a past statement.
Interest, repayments and dividends paid out are the owners' and treasurers' records (LenderPayment, dated in
the year and recorded before its end); next to them, interest is also estimated at the offer's yearly rate on the
money received, and the statement says which is which.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from communities.mail import community_sender
from communities.models import Community
from operations.mail import MailSkipped, mail_deliver
from operations.models import MailKind, MailStatus
from pools.models import MONEY_KINDS, PaymentAllocation, Pledge, PledgeKind, Pool
from pools.offers.models import LenderPayment, LenderPaymentKind, PoolOffer, YearlyStatement
from treasury.models import PayoutLine, PayoutReason

REFUND_REASONS = (PayoutReason.WITHDRAWN, PayoutReason.FAILED_POOL)


@dataclass(frozen=True)
class StatementYear:
    year: int

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def cutoff(self) -> datetime:
        """The first instant of the next year: rows recorded before it count."""
        return timezone.make_aware(datetime.combine(date(self.year + 1, 1, 1), time.min))


def _interest_ore(amount_ore: int, *, received_on: date, period: StatementYear, rate_bp: int) -> int:
    """Simple interest for the days of the year the money was held (actual/365, rounded down)."""
    if rate_bp <= 0 or amount_ore == 0:
        return 0
    start = max(received_on, period.first_day)
    days = (period.last_day - start).days + 1
    if days <= 0:
        return 0
    return amount_ore * rate_bp * days // (10_000 * 365)


def _rates(pool_ids: set[int]) -> dict[int, int]:
    return {
        row.pool_id: int(row.interest_rate_bp or 0)
        for row in PoolOffer.objects.filter(pool_id__in=pool_ids, instrument="interest_loan")
    }


def _allocations_as_of(pledge_filter: Q, period: StatementYear) -> Any:
    """Matches recorded before the cutoff of payments dated on or before the year's last day."""
    return (
        PaymentAllocation.objects.filter(pledge_filter)
        .filter(created_at__lt=period.cutoff, payment__received_on__lte=period.last_day)
        .values_list("pledge_id", "amount_ore", "payment__received_on")
        .order_by("pk")
    )


# LenderPayment kind -> the figure it adds to.
LENDER_FIGURES = {
    LenderPaymentKind.INTEREST: "interest_received_ore",
    LenderPaymentKind.REPAYMENT: "repaid_ore",
    LenderPaymentKind.DIVIDEND: "dividends_ore",
}
FIGURE_KEYS = (
    "pledged_ore",
    "paid_ore",
    "paid_to_date_ore",
    "refunded_ore",
    "estimated_points",
    "estimated_interest_ore",
    "interest_received_ore",
    "repaid_ore",
    "dividends_ore",
    "shares_held",
)
TOTAL_KEYS = (
    "pledged_ore",
    "paid_ore",
    "paid_to_date_ore",
    "refunded_ore",
    "estimated_interest_ore",
    "interest_received_ore",
    "repaid_ore",
    "dividends_ore",
)


def _lender_payments_as_of(pledge_ids: list[int], period: StatementYear) -> Any:
    """(pledge id, kind, amount) of lender payments dated in the year and recorded before its end."""
    return (
        LenderPayment.objects.filter(
            pledge_id__in=pledge_ids,
            paid_on__gte=period.first_day,
            paid_on__lte=period.last_day,
            created_at__lt=period.cutoff,
        )
        .values_list("pledge_id", "kind", "amount_ore")
        .order_by("pk")
    )


def statement_figures(*, saver: User, year: int) -> dict[str, object]:
    """A saver's statement of one year as plain values (öre as integers), per pool in title order."""
    period = StatementYear(year)
    pledges = list(
        Pledge.objects.filter(saver=saver, kind__in=MONEY_KINDS, created_at__lt=period.cutoff)
        .select_related("pool")
        .order_by("pool__title", "pool_id", "pk")
    )
    by_id = {p.pk: p for p in pledges}
    rates = _rates({p.pool_id for p in pledges})
    # Pool id -> figure -> whole öre (or points, shares); dicts keep the pools in title order.
    sums: dict[int, dict[str, int]] = {p.pool_id: dict.fromkeys(FIGURE_KEYS, 0) for p in pledges}

    paid_to_date: dict[int, int] = defaultdict(int)
    for pledge_id, amount, received_on in _allocations_as_of(Q(pledge_id__in=list(by_id)), period):
        pledge = by_id[pledge_id]
        figures = sums[pledge.pool_id]
        paid_to_date[pledge_id] += amount
        figures["paid_to_date_ore"] += amount
        if received_on >= period.first_day:
            figures["paid_ore"] += amount
        if pledge.kind == PledgeKind.LOAN:
            rate = rates.get(pledge.pool_id, 0)
            figures["estimated_interest_ore"] += _interest_ore(
                amount, received_on=received_on, period=period, rate_bp=rate
            )
    for pledge in pledges:
        figures = sums[pledge.pool_id]
        active_at_end = pledge.withdrawn_at is None or pledge.withdrawn_at >= period.cutoff
        if not active_at_end:
            continue
        if pledge.created_at >= period.start:
            figures["pledged_ore"] += int(pledge.amount_ore or 0)
        if pledge.kind == PledgeKind.SUPPORT_SAVING:
            figures["estimated_points"] += int(pledge.krona_months or 0) * pledge.pool.points_per_krona_month
        if pledge.kind == PledgeKind.SHARE and paid_to_date[pledge.pk] >= int(pledge.amount_ore or 0):
            figures["shares_held"] += int(pledge.share_count or 0)
    refunds = PayoutLine.objects.filter(
        pledge_id__in=list(by_id),
        reason__in=REFUND_REASONS,
        is_active=True,
        batch__exported_at__gte=period.start,
        batch__exported_at__lt=period.cutoff,
    ).values_list("pledge_id", "amount_ore")
    for pledge_id, amount in refunds:
        sums[by_id[pledge_id].pool_id]["refunded_ore"] += amount
    for pledge_id, kind, amount in _lender_payments_as_of(list(by_id), period):
        sums[by_id[pledge_id].pool_id][LENDER_FIGURES[LenderPaymentKind(kind)]] += amount
    titles = {p.pool_id: p.pool.title for p in pledges}
    pools = [{"pool": titles[pool_id], "pool_id": pool_id, **figures} for pool_id, figures in sums.items()]
    totals = {key: sum(figures[key] for figures in sums.values()) for key in TOTAL_KEYS}
    return {"year": year, "as_of": period.last_day.isoformat(), "pools": pools, "totals": totals}


def statement_pdf(*, saver: User, year: int, language: str) -> tuple[dict[str, object], bytes]:
    """The statement's figures and its PDF, rendered in the saver's language (WeasyPrint)."""
    from weasyprint import HTML  # heavy import: only when a PDF is made

    from operations.pdf import pdf_url_fetcher  # fetches data: URLs only

    figures = statement_figures(saver=saver, year=year)
    with translation.override(language):
        html = render_to_string("offers/statement_pdf.html", {"figures": figures, "saver": saver, "language": language})
    # No creation date in the document, so the same figures give the same bytes.
    pdf = HTML(string=html, base_url=None, url_fetcher=pdf_url_fetcher()).write_pdf(
        pdf_identifier=f"statement-{saver.pk}-{year}".encode()
    )
    return figures, pdf


def statement_issue(*, saver: User, year: int) -> YearlyStatement:
    """Make and keep a saver's statement of a year once (a repeat returns the kept one)."""
    kept = YearlyStatement.objects.filter(saver=saver, year=year).first()
    if kept is not None:
        return kept
    figures, pdf = statement_pdf(saver=saver, year=year, language=saver.language)
    with transaction.atomic():
        statement, _created = YearlyStatement.objects.get_or_create(
            saver=saver, year=year, defaults={"figures": figures, "pdf": pdf, "language": saver.language}
        )
    return statement


def statement_mail(*, statement_id: int) -> bool:
    """Mail a kept statement to its saver once, through its delivery record; True when this call sent it."""
    if YearlyStatement.objects.filter(pk=statement_id, mailed_at__isnull=False).exists():
        return False
    outcome = mail_deliver(
        key=f"statement:{statement_id}", kind=MailKind.STATEMENT, args={"statement_id": statement_id}
    )
    return outcome == MailStatus.SENT


def statement_message(*, statement_id: int) -> EmailMessage:
    """The statement mail with its PDF, in the statement's language. Raises MailSkipped for an erased saver."""
    statement = YearlyStatement.objects.select_related("saver").get(pk=statement_id)
    saver = statement.saver
    if saver.is_erased or not saver.email:
        raise MailSkipped("saver erased or without address")
    communities = statement_communities(statement=statement)
    # One community: the statement comes from it. Several: from the platform, with a section for each.
    single = communities[0] if len(communities) == 1 else None
    with translation.override(statement.language):
        context = {"statement": statement, "site_url": settings.SITE_URL, "communities": communities}
        subject = render_to_string("emails/yearly_statement_subject.txt", context).strip()
        text = render_to_string("emails/yearly_statement.txt", context)
    message = EmailMessage(subject, text, to=[saver.email], **community_sender(single))  # type: ignore[arg-type]
    message.attach(f"lokalkapital-{statement.year}.pdf", bytes(statement.pdf), "application/pdf")
    return message


def statement_communities(*, statement: YearlyStatement) -> list[Community]:
    """The communities of the pools a kept statement covers, by name."""
    pools = statement.figures.get("pools", []) if isinstance(statement.figures, dict) else []
    pool_ids = [int(row["pool_id"]) for row in pools if isinstance(row, dict) and row.get("pool_id")]
    return list(Community.objects.filter(pools__id__in=pool_ids).distinct().order_by("name", "pk"))


def statement_mark_sent(*, statement_id: int) -> None:
    """Record on the statement that it was mailed."""
    YearlyStatement.objects.filter(pk=statement_id, mailed_at__isnull=True).update(mailed_at=timezone.now())


def statement_savers(*, year: int) -> Iterator[int]:
    """Ids of the savers (not erased) with a money pledge recorded before the end of the year."""
    period = StatementYear(year)
    yield from (
        User.objects.filter(
            pledges__kind__in=MONEY_KINDS, pledges__created_at__lt=period.cutoff, erased_at__isnull=True
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def statements_issue_year(*, year: int) -> dict[str, int]:
    """Issue and mail every saver's statement of the year; safe to run twice."""
    issued = mailed = 0
    for saver_id in statement_savers(year=year):
        statement = statement_issue(saver=User.objects.get(pk=saver_id), year=year)
        issued += 1
        mailed += int(statement_mail(statement_id=statement.pk))
    return {"issued": issued, "mailed": mailed}


def lender_rows(*, pools: list[Pool], year: int) -> list[list[Any]]:
    """Per-lender rows of loans and shares in the given pools, as of the year end (öre as integers)."""
    period = StatementYear(year)
    by_pk = {p.pk: p for p in pools}
    pool_ids = list(by_pk)
    # The pools come from the caller (read through a scoped selector): each pledge is given its pool from them,
    # not joined to the pool table again by key.
    rows = list(
        Pledge.objects.filter(
            pool_id__in=pool_ids, kind__in=[PledgeKind.LOAN, PledgeKind.SHARE], created_at__lt=period.cutoff
        )
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=period.cutoff))
        .select_related("saver")
        .order_by("pk")
    )
    for row in rows:
        row.pool = by_pk[row.pool_id]
    pledges = {p.pk: p for p in sorted(rows, key=lambda p: (p.pool.title, p.pk))}
    rates = _rates(set(pool_ids))
    paid: dict[int, int] = defaultdict(int)
    paid_in_year: dict[int, int] = defaultdict(int)
    interest: dict[int, int] = defaultdict(int)
    for pledge_id, amount, received_on in _allocations_as_of(Q(pledge_id__in=list(pledges)), period):
        pledge = pledges[pledge_id]
        paid[pledge_id] += amount
        if received_on >= period.first_day:
            paid_in_year[pledge_id] += amount
        if pledge.kind == PledgeKind.LOAN:
            interest[pledge_id] += _interest_ore(
                amount, received_on=received_on, period=period, rate_bp=rates.get(pledge.pool_id, 0)
            )
    recorded: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LENDER_FIGURES.values(), 0))
    for pledge_id, kind, amount in _lender_payments_as_of(list(pledges), period):
        recorded[pledge_id][LENDER_FIGURES[LenderPaymentKind(kind)]] += amount
    return [
        [
            year,
            pledge.pool.title,
            pledge.pk,
            pledge.pledger_name,
            pledge.kind,
            paid[pledge.pk],
            paid_in_year[pledge.pk],
            interest[pledge.pk],
            recorded[pledge.pk]["interest_received_ore"],
            recorded[pledge.pk]["repaid_ore"],
            recorded[pledge.pk]["dividends_ore"],
            pledge.share_count or "",
        ]
        for pledge in pledges.values()
        if paid[pledge.pk] > 0 or pledge.pk in recorded
    ]
