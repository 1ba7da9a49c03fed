"""Suggested matches for payments in the unmatched queue: up to three ranked pledges, each with its reasons.

Each open money pledge (still owed money) is scored against the payment; the evidence adds up:

| evidence | points |
|---|---|
| a reference one digit off the pledge's OCR (a typo, a swapped pair, a digit left out or doubled) | 50 |
| a reference two digits off | 35 |
| the amount equals what the pledge asks for (what is left, what is due now, or one instalment) | 40 |
| this account paid the same saver's pledges before (a spouse's or a company's account) | 30 |
| the payer's name resembles the saver's | up to 35 |
| the same surname as the saver (a family member paying) | 20 |
| paid within two weeks of the pledge being made or falling due | 10 |

A pledge needs at least ``MIN_SCORE`` points to be suggested, so a date or a surname alone never is.
Pledges are read once per page with what they have received, and scored in Python: a village has hundreds
or a few thousand open pledges, which this handles in milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pools.models import MONEY_KINDS, Payment, PaymentAllocation, Pledge, PledgeKind, PledgeStatus
from treasury.bankfiles.remittance import MAX_OCR_IN_TEXT, MIN_OCR_IN_TEXT
from treasury.models import BankFileLine

MAX_SUGGESTIONS = 3
MIN_SCORE = 30
NAME_LIKENESS = 0.8
OPEN_STATUSES = (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED, PledgeStatus.PARTLY_FULFILLED)
_DIGITS = re.compile(r"\d(?:[ \-]?\d)*")


@dataclass
class Suggestion:
    pledge: Pledge
    owed_ore: int
    match_ore: int = 0  # what one click matches: what is owed, at most what is left of the payment
    score: int = 0
    evidence: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # untranslated reasons

    def add(self, points: int, reason: str, **values: str) -> None:
        self.score += points
        self.evidence.append((reason, values))

    @property
    def reasons(self) -> list[str]:
        """The reasons in the active language (translated only for the few suggestions shown)."""
        return [_(reason) % values if values else _(reason) for reason, values in self.evidence]


@dataclass(frozen=True)
class OpenPledge:
    pledge: Pledge
    owed_ore: int
    name: str  # normalised: lower case, accents kept apart from Swedish letters
    surname: str
    sorted_name: str  # the words in alphabetical order, for banks that write the surname first
    letters: Counter[str]
    pledged_on: date


def _normal(name: str) -> str:
    # Fold accents except the Swedish letters, lower case, one space between words.
    kept = {"å", "ä", "ö"}
    folded = "".join(
        ch if ch in kept else unicodedata.normalize("NFKD", ch)[0]
        for ch in (name or "").lower()
        if ch.isalpha() or ch == " "
    )
    return " ".join(folded.split())


def _surname(name: str) -> str:
    words = name.split()
    return words[-1] if len(words) >= 2 else ""


def open_pledges(*, community_ids: list[int] | None = None) -> list[OpenPledge]:
    """Money pledges (of these communities; None: of every one) still owed something, with what they
    owe (one query for the pledges, one for received)."""
    rows = Pledge.objects.filter(kind__in=MONEY_KINDS, status__in=OPEN_STATUSES, ocr_reference__isnull=False)
    if community_ids is not None:
        rows = rows.filter(pool__community_id__in=community_ids)
    pledges = list(rows.exclude(kind=PledgeKind.SUPPORT_SAVING).select_related("pool", "saver").order_by("pk"))
    received = dict(
        PaymentAllocation.objects.filter(pledge_id__in=[p.pk for p in pledges])
        .order_by()
        .values_list("pledge_id")
        .annotate(total=Sum("amount_ore"))
    )
    found = []
    for pledge in pledges:
        owed = int(pledge.amount_ore or 0) - int(received.get(pledge.pk) or 0)
        if owed > 0:
            name = _normal(pledge.pledger_name)
            found.append(
                OpenPledge(
                    pledge=pledge,
                    owed_ore=owed,
                    name=name,
                    surname=_surname(name),
                    sorted_name=" ".join(sorted(name.split())),
                    letters=Counter(name),
                    pledged_on=_pledge_day(pledge),
                )
            )
    return found


def _digits_off(written: str, real: str) -> int:
    """How many digits a written reference is off a real one: substitutions, one swapped neighbour pair,
    or one digit left out or added; 3 means "further than that"."""
    if written == real:
        return 0
    if len(written) == len(real):
        differing = [i for i, (a, b) in enumerate(zip(written, real, strict=True)) if a != b]
        if len(differing) == 2 and differing[1] == differing[0] + 1:
            i = differing[0]
            if written[i] == real[i + 1] and written[i + 1] == real[i]:
                return 1  # two neighbours swapped: one slip of the finger
        return min(len(differing), 3)
    if abs(len(written) - len(real)) == 1:
        shorter, longer = sorted((written, real), key=len)
        for i in range(len(longer)):
            if longer[:i] + longer[i + 1 :] == shorter:
                return 1
    return 3


def _written_references(payment: Payment) -> list[str]:
    digits = []
    for run in _DIGITS.findall(f"{payment.reference} {payment.note}"):
        compact = re.sub(r"[ \-]", "", run)
        if MIN_OCR_IN_TEXT <= len(compact) <= MAX_OCR_IN_TEXT:
            digits.append(compact)
    return list(dict.fromkeys(digits))


def _asked_amounts(pledge: Pledge, owed: int) -> set[int]:
    amounts = {owed}
    if pledge.monthly_ore:
        amounts.add(min(pledge.monthly_ore, owed))
    return amounts


def _pledge_day(pledge: Pledge) -> date:
    return timezone.localtime(pledge.created_at).date()


def _account_savers(payments: Iterable[Payment]) -> dict[str, set[int]]:
    """For each payer account, the savers whose pledges earlier payments from it were matched to."""
    accounts = {p.payer_account for p in payments if p.payer_account}
    found: dict[str, set[int]] = defaultdict(set)
    if not accounts:
        return found
    rows = (
        PaymentAllocation.objects.filter(
            payment__payer_account__in=accounts, reverses__isnull=True, pledge__saver__isnull=False
        )
        .values_list("payment__payer_account", "pledge__saver_id")
        .distinct()
    )
    for account, saver_id in rows:
        found[account].add(saver_id)
    return found


def _may_resemble(a: Counter[str], b: Counter[str]) -> bool:
    """difflib's ratio is at most 2·(letters in common)/(letters in both): skip pairs that cannot reach it."""
    common = sum((a & b).values())
    return 2 * common >= NAME_LIKENESS * (a.total() + b.total())


def _likeness(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


@dataclass(frozen=True)
class _Facts:
    """What is read from a payment once, before it is compared with every open pledge."""

    written: list[str]
    payer: str
    sorted_payer: str
    letters: Counter[str]
    left_ore: int
    savers_of_account: set[int]


def _score(payment: Payment, candidate: OpenPledge, facts: _Facts) -> Suggestion:
    pledge = candidate.pledge
    suggestion = Suggestion(
        pledge=pledge, owed_ore=candidate.owed_ore, match_ore=min(candidate.owed_ore, facts.left_ore)
    )
    real = pledge.ocr_reference or ""
    off = min((_digits_off(w, real) for w in facts.written), default=3)
    if off == 1:
        suggestion.add(50, gettext_noop("Reference one digit off %(ocr)s"), ocr=real)
    elif off == 2:
        suggestion.add(35, gettext_noop("Reference two digits off %(ocr)s"), ocr=real)
    if payment.amount_ore in _asked_amounts(pledge, candidate.owed_ore):
        suggestion.add(40, gettext_noop("Amount equals the amount due"))
    if pledge.saver_id and pledge.saver_id in facts.savers_of_account:
        suggestion.add(30, gettext_noop("This account has paid the saver's pledges before"))
    payer = facts.payer
    if payer and candidate.name:
        likeness = 0.0
        if _may_resemble(facts.letters, candidate.letters):
            likeness = max(_likeness(payer, candidate.name), _likeness(facts.sorted_payer, candidate.sorted_name))
        if likeness >= NAME_LIKENESS:
            suggestion.add(round(35 * likeness), gettext_noop("Payer name resembles the saver's"))
        elif candidate.surname and candidate.surname in payer.split():
            suggestion.add(20, gettext_noop("Same surname as the saver (a family member's account?)"))
    days = (payment.received_on - candidate.pledged_on).days
    due_days = abs((payment.received_on - pledge.due_on).days) if pledge.due_on else days
    if 0 <= days <= 14 or due_days <= 14:
        suggestion.add(10, gettext_noop("Paid close to the pledge's date"))
    return suggestion


def _payment_communities(payments: Sequence[Payment]) -> dict[int, set[int]]:
    """The communities each payment belongs to (see treasury.selectors.payment_scope): its bank file's,
    and its matched pools'. Two queries for all the payments."""
    ids = [p.pk for p in payments]
    owners: dict[int, set[int]] = defaultdict(set)
    for payment_id, community_id in BankFileLine.objects.filter(payment_id__in=ids).values_list(
        "payment_id", "bank_file__community_id"
    ):
        owners[int(payment_id)].add(int(community_id))
    for payment_id, community_id in PaymentAllocation.objects.filter(payment_id__in=ids).values_list(
        "payment_id", "pool__community_id"
    ):
        owners[int(payment_id)].add(int(community_id))
    return owners


def payment_suggestions_many(
    *,
    payments: Sequence[Payment],
    candidates: list[OpenPledge] | None = None,
    limit: int = MAX_SUGGESTIONS,
    community_ids: list[int] | None = None,
) -> dict[int, list[Suggestion]]:
    """Up to ``limit`` ranked suggestions per unmatched payment (by payment id); best first. Only
    pledges of the payment's own community are suggested (and of ``community_ids``, the treasurer's,
    when given; None: every community)."""
    pool = open_pledges(community_ids=community_ids) if candidates is None else candidates
    owners = _payment_communities(payments) if payments else {}
    account_savers = _account_savers(payments)
    result: dict[int, list[Suggestion]] = {}
    for payment in payments:
        payer = _normal(payment.payer_name)
        facts = _Facts(
            written=_written_references(payment),
            payer=payer,
            sorted_payer=" ".join(sorted(payer.split())),
            letters=Counter(payer),
            left_ore=int(getattr(payment, "unallocated_ore", payment.amount_ore)),
            savers_of_account=account_savers.get(payment.payer_account, set()),
        )
        own = owners.get(payment.pk)
        scored = [_score(payment, c, facts) for c in pool if not own or c.pledge.pool.community_id in own]
        good = [s for s in scored if s.score >= MIN_SCORE]
        good.sort(key=lambda s: (-s.score, s.pledge.pk))
        result[payment.pk] = good[:limit]
    return result


def payment_suggestions(
    *, payment: Payment, limit: int = MAX_SUGGESTIONS, community_ids: list[int] | None = None
) -> list[Suggestion]:
    """Up to three ranked pledges this payment probably belongs to, each with the reasons (see
    payment_suggestions_many for which communities' pledges)."""
    return payment_suggestions_many(payments=[payment], limit=limit, community_ids=community_ids)[payment.pk]
