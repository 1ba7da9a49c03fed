"""Writes of regulated offers: offer terms, the key information sheet and its approval, a saver's assessment,
the hooks pledge_create calls for a regulated pledge, and revocation in the reflection period.

Every acknowledgement, test result, revocation and sheet version writes an OfferEvent (the offers' audit trail)
in the same transaction.

Why one module of about 500 lines: every write here records its OfferEvent through one helper in the same
transaction, and the checks a regulated pledge passes (sheet, test, consent, limit) are read together by the
pledge service; split, the audit-trail rule would be repeated in each part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pools.errors import PledgeNotChangeable
from pools.models import ACTIVE_PLEDGE_STATUSES, Pledge, PledgeKind, PledgeSource, PledgeStatus, Pool
from pools.money import MAX_ORE, format_sek
from pools.offers.errors import (
    AssessmentInvalid,
    AssessmentRequired,
    LenderPaymentInvalid,
    NotAllowed,
    RegulatedOffersForbidden,
    RevocationNotPossible,
    RiskConsentRequired,
    SheetIncomplete,
    SheetNotApproved,
    SheetNotChangeable,
)
from pools.offers.models import (
    InvestorAssessment,
    KeyInfoSheet,
    LenderPayment,
    LenderPaymentKind,
    OfferEvent,
    OfferEventKind,
    OfferInstrument,
    PoolOffer,
    RegulatedPledge,
    SheetSection,
    SheetStatus,
)
from pools.offers.questions import PASS_SHARE_PERCENT, QUESTIONS, score_answers
from pools.offers.selectors import (
    assessment_valid,
    consent_limit_ore,
    pledge_kind_is_regulated,
    pool_is_regulated,
    reflection_last_day,
    sheet_current,
    user_may_record_lender_payments,
    user_may_write_sheet,
)
from pools.offers.sheet_pdf import MAX_SHEET_PAGES, sheet_page_count

SHEET_LANGUAGES = ("sv", "en")


def _event(kind: str, *, actor: User | None, saver: User | None = None, **fields: Any) -> OfferEvent:
    return OfferEvent.objects.create(kind=kind, actor=actor, saver=saver, at=timezone.now(), **fields)


# ---------------------------------------------------------------- the pool's offer


@transaction.atomic
def pool_offer_set(
    *, pool: Pool, by: User, instrument: str, regulated: bool | None = None, interest_rate_bp: int | None = None
) -> PoolOffer:
    """Set a pool's offer terms (organisers only). Raises NotAllowed, RegulatedOffersForbidden."""
    if not by.has_perm("pools.manage_pools"):
        raise NotAllowed()
    if instrument not in OfferInstrument.values:
        raise AssessmentInvalid(_("Unknown instrument."), field="instrument")
    pool = _pool_locked(pool)
    offer, _created = PoolOffer.objects.get_or_create(pool=pool, defaults={"instrument": instrument})
    offer.instrument = instrument
    offer.regulated = regulated
    offer.interest_rate_bp = interest_rate_bp
    if offer.is_regulated and pool.is_open and not settings.OFFERS_REGULATED_ALLOWED:
        raise RegulatedOffersForbidden(field="regulated")
    offer.full_clean(exclude=["pool"])  # the pool is the one locked above, in its community; not read again by key
    offer.save()
    return offer


def pool_open_check(*, pool: Pool) -> None:
    """Called by pools.services.pool_open under the pool lock. Raises RegulatedOffersForbidden when the
    installation forbids regulated pools, SheetNotApproved when the sheet is missing."""
    if not pool_is_regulated(pool=pool):
        return
    if not settings.OFFERS_REGULATED_ALLOWED:
        raise RegulatedOffersForbidden()
    if sheet_current(pool=pool) is None:
        raise SheetNotApproved()


def _pool_locked(pool: Pool) -> Pool:
    """The pool read again and locked, with its project and micro-fund, in the pool's community the caller holds
    (so the statement names it; the caller had the pool from a scoped selector)."""
    return (
        Pool.objects.select_for_update(of=("self",))
        .select_related("project", "micro_fund")
        .get(pk=pool.pk, community_id=cast(int, pool.community_id))
    )


# ---------------------------------------------------------------- the key information sheet


@transaction.atomic
def sheet_write(*, pool: Pool, by: User, content: dict[str, dict[str, str]]) -> KeyInfoSheet:
    """Write a new version of the pool's key information sheet, in Swedish and English (a draft until an
    organiser approves it); a draft not yet approved is replaced in place. Raises NotAllowed, SheetIncomplete."""
    pool = _pool_locked(pool)
    if not user_may_write_sheet(user=by, pool=pool):
        raise NotAllowed()
    clean: dict[str, dict[str, str]] = {}
    for language in SHEET_LANGUAGES:
        clean[language] = {}
        for section in SheetSection.values:
            text = str((content.get(language) or {}).get(section) or "").strip()
            if not text:
                raise SheetIncomplete(
                    _("Fill in every section in Swedish and English (missing: %(section)s, %(language)s).")
                    % {"section": section, "language": language},
                    field=f"{language}.{section}",
                )
            if len(text) > 6000:
                raise SheetIncomplete(_("Keep each section under 6000 characters."), field=f"{language}.{section}")
            clean[language][section] = text
    for language in SHEET_LANGUAGES:
        pages = sheet_page_count(pool=pool, content=clean, language=language)
        if pages > MAX_SHEET_PAGES:
            raise SheetIncomplete(
                _("The printed sheet may take at most %(max)s pages; in %(language)s it takes %(pages)s. Shorten it.")
                % {"max": MAX_SHEET_PAGES, "language": language, "pages": pages},
                field=language,
            )
    latest = KeyInfoSheet.objects.filter(pool=pool).order_by("-version").first()
    if latest is not None and latest.status == SheetStatus.DRAFT:
        latest.content = clean
        latest.written_by = by
        latest.approved_by = None
        latest.approved_at = None
        latest.save(update_fields=["content", "written_by", "approved_by", "approved_at"])
        sheet = latest
    else:
        sheet = KeyInfoSheet.objects.create(
            pool=pool, version=(latest.version + 1) if latest else 1, content=clean, written_by=by
        )
    _event(OfferEventKind.SHEET_VERSION, actor=by, pool=pool, sheet=sheet, details={"version": sheet.version})
    return sheet


def _is_owner_of(user: User, pool: Pool) -> bool:
    if pool.project_id is not None:
        return pool.project.owner_id == user.pk  # type: ignore[union-attr]
    return pool.micro_fund.organiser_id == user.pk  # type: ignore[union-attr]


@transaction.atomic
def sheet_approve(*, sheet: KeyInfoSheet, by: User) -> KeyInfoSheet:
    """Approve a sheet version (organisers). When the approver is the pool's owner, a second organiser must
    approve too (four eyes). The approved version supersedes the one before. Raises NotAllowed,
    SheetNotChangeable."""
    if not by.has_perm("pools.manage_pools"):
        raise NotAllowed()
    pool = _pool_locked(sheet.pool)
    sheet = KeyInfoSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status != SheetStatus.DRAFT:
        raise SheetNotChangeable(_("Only a draft can be approved."))
    now = timezone.now()
    if sheet.approved_by_id is None:
        sheet.approved_by = by
        sheet.approved_at = now
        if _is_owner_of(by, pool):
            # The owner approved their own offer: it waits for a second organiser.
            sheet.save(update_fields=["approved_by", "approved_at"])
            _event(OfferEventKind.SHEET_APPROVED, actor=by, pool=pool, sheet=sheet, details={"step": "first"})
            return sheet
    else:
        if sheet.approved_by_id == by.pk:
            raise SheetNotChangeable(_("A second organiser must approve this sheet."))
        sheet.second_approved_by = by
    KeyInfoSheet.objects.filter(pool=pool, status=SheetStatus.APPROVED).update(status=SheetStatus.SUPERSEDED)
    sheet.status = SheetStatus.APPROVED
    sheet.save(update_fields=["approved_by", "approved_at", "second_approved_by", "status"])
    _event(OfferEventKind.SHEET_APPROVED, actor=by, pool=pool, sheet=sheet, details={"version": sheet.version})
    return sheet


# ---------------------------------------------------------------- the saver's assessment


@transaction.atomic
def assessment_record(
    *,
    saver: User,
    answers: dict[str, str],
    net_worth_ore: int,
    loss_acknowledged: bool,
    warning_acknowledged: bool = False,
    is_sophisticated: bool = False,
) -> InvestorAssessment:
    """Record the entry knowledge test and loss simulation. Failing is allowed once the warning is
    acknowledged. Raises AssessmentInvalid."""
    if isinstance(net_worth_ore, bool) or not isinstance(net_worth_ore, int) or not 0 <= net_worth_ore <= MAX_ORE:
        raise AssessmentInvalid(_("Give your net worth in kronor (0 or more)."), field="net_worth")
    known = {q.key: q for q in QUESTIONS}
    clean = {}
    for key, question in known.items():
        value = answers.get(key)
        if value not in {choice for choice, _label in question.choices}:
            raise AssessmentInvalid(_("Answer every question."), field=key)
        clean[key] = str(value)
    score, count = score_answers(clean)
    passed = score * 100 >= count * PASS_SHARE_PERCENT
    if not loss_acknowledged:
        raise AssessmentInvalid(
            _("Confirm that you have seen what losing the whole amount means."), field="loss_acknowledged"
        )
    if not passed and not is_sophisticated and not warning_acknowledged:
        raise AssessmentInvalid(
            _("Your answers show that these offers may not suit you. Confirm that you have read the warning."),
            field="warning_acknowledged",
        )
    assessment = InvestorAssessment.objects.create(
        saver=saver,
        is_sophisticated=is_sophisticated,
        answers=clean,
        score=score,
        question_count=count,
        passed=passed,
        warning_acknowledged=warning_acknowledged and not passed,
        net_worth_ore=net_worth_ore,
        loss_acknowledged=True,
        taken_at=timezone.now(),
    )
    details = {"score": score, "of": count, "passed": passed, "net_worth_ore": net_worth_ore}
    _event(OfferEventKind.ASSESSMENT, actor=saver, saver=saver, details=details)
    if assessment.warning_acknowledged:
        _event(OfferEventKind.WARNING_ACKNOWLEDGED, actor=saver, saver=saver, details={"assessment": assessment.pk})
    return assessment


# ---------------------------------------------------------------- regulated pledges (hooks of pledge_create)


@dataclass(frozen=True)
class RegulatedPledgeCheck:
    """What pledge_create found for a regulated pledge, recorded with it once saved."""

    sheet: KeyInfoSheet
    assessment: InvestorAssessment
    limit_ore: int
    risk_consent: bool


def regulated_pledge_check(
    *, pool: Pool, saver: User | None, kind: str, source: str, amount_ore: int, risk_consent: bool
) -> RegulatedPledgeCheck | None:
    """For a pledge to a regulated offer: the approved sheet, a valid assessment, and consent above the limit.
    None when the pledge is not regulated. Raises SheetNotApproved, AssessmentRequired, RiskConsentRequired."""
    if source != PledgeSource.ONLINE or saver is None or not pledge_kind_is_regulated(pool=pool, kind=kind):
        return None
    sheet = sheet_current(pool=pool)
    if sheet is None:
        raise SheetNotApproved()
    assessment = assessment_valid(saver=saver)
    if assessment is None:
        raise AssessmentRequired()
    limit = consent_limit_ore(net_worth_ore=assessment.net_worth_ore)
    if amount_ore > limit and not risk_consent:
        raise RiskConsentRequired(
            _(
                "A pledge above %(limit)s to a regulated offer needs your explicit acknowledgement that you may "
                "lose the whole amount (risk_consent)."
            )
            % {"limit": format_sek(limit, saver.language)},
            field="risk_consent",
        )
    return RegulatedPledgeCheck(sheet=sheet, assessment=assessment, limit_ore=limit, risk_consent=amount_ore > limit)


def regulated_pledge_record(*, pledge: Pledge, check: RegulatedPledgeCheck) -> RegulatedPledge:
    """Record the sheet version, assessment, consent and reflection period of a saved regulated pledge."""
    now = timezone.now()
    record = RegulatedPledge.objects.create(
        pledge=pledge,
        sheet=check.sheet,
        assessment=check.assessment,
        consent_limit_ore=check.limit_ore,
        risk_consent_at=now if check.risk_consent else None,
        reflection_ends_on=reflection_last_day(pledged_on=timezone.localdate(now)),
    )
    saver = pledge.saver
    _event(
        OfferEventKind.REGULATED_PLEDGE,
        actor=saver,
        saver=saver,
        pool=pledge.pool,
        pledge=pledge,
        sheet=check.sheet,
        details={
            "sheet_version": check.sheet.version,
            "amount_ore": pledge.amount_ore,
            "reflection_ends_on": record.reflection_ends_on.isoformat(),
        },
    )
    if check.risk_consent:
        _event(
            OfferEventKind.RISK_CONSENT,
            actor=saver,
            saver=saver,
            pool=pledge.pool,
            pledge=pledge,
            sheet=check.sheet,
            details={"amount_ore": pledge.amount_ore, "limit_ore": check.limit_ore},
        )
    return record


def regulated_pledge_change_check(*, pledge: Pledge, amount_ore: int) -> None:
    """Called by pools.services.pledge_change: a regulated pledge made without risk consent cannot be raised
    above the limit it was made under (a new pledge with consent can). Raises RiskConsentRequired."""
    record = RegulatedPledge.objects.filter(pledge_id=pledge.pk).first()
    if record is None or record.risk_consent_at is not None or amount_ore <= record.consent_limit_ore:
        return
    language = pledge.saver.language if pledge.saver is not None else "sv"
    raise RiskConsentRequired(
        _("Above %(limit)s a pledge to a regulated offer needs your risk consent: make a new pledge with it.")
        % {"limit": format_sek(record.consent_limit_ore, language)},
        field="amount",
    )


@transaction.atomic
def pledge_revoke(*, pledge: Pledge, by: User) -> Pledge:
    """Revoke a regulated pledge within its reflection period, without a reason: it becomes withdrawn, leaves
    the totals, and money already matched goes onto the refund list. Raises RevocationNotPossible,
    PledgeNotChangeable."""
    from pools.services import totals_enqueue

    # Same lock order as pledge_create: the pool first, then the pledge.
    Pool.objects.select_for_update().get(pk=pledge.pool_id)
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if pledge.saver_id != by.pk:
        raise PledgeNotChangeable()
    record = RegulatedPledge.objects.select_for_update().filter(pledge=pledge).first()
    if (
        record is None
        or record.revoked_at is not None
        or pledge.status not in ACTIVE_PLEDGE_STATUSES
        or timezone.localdate() > record.reflection_ends_on
    ):
        raise RevocationNotPossible()
    now = timezone.now()
    pledge.status = PledgeStatus.WITHDRAWN
    pledge.withdrawn_at = now
    pledge.save(update_fields=["status", "withdrawn_at", "updated_at"])
    record.revoked_at = now
    record.save(update_fields=["revoked_at"])
    _event(
        OfferEventKind.REVOCATION,
        actor=by,
        saver=by,
        pool_id=pledge.pool_id,
        pledge=pledge,
        details={"amount_ore": pledge.amount_ore},
    )
    totals_enqueue(pool_id=pledge.pool_id)
    return pledge


def sheet_read_record(*, sheet: KeyInfoSheet, saver: User) -> OfferEvent:
    """Record that a saver read (and acknowledged) a sheet version before pledging."""
    return _event(
        OfferEventKind.SHEET_READ,
        actor=saver,
        saver=saver,
        pool_id=sheet.pool_id,
        sheet=sheet,
        details={"version": sheet.version},
    )


def offers_erase(*, user: User) -> None:
    """On erasure: the assessment, consent, revocation, lender-payment and audit rows stay (the regulation and
    bookkeeping ask for them; they name no one once the profile is gone), free-text notes on payments to the
    person are cleared, and the kept statement PDFs, which carry the name, are removed (they can be made again
    from the bookkeeping rows). An erasure event records what was kept and the reason. Runs inside
    people.erasure.user_erase's transaction, after the profile was anonymised."""
    from pools.offers.models import YearlyStatement

    statements = YearlyStatement.objects.filter(saver=user).delete()[0]
    notes = LenderPayment.objects.filter(pledge__saver=user).exclude(note="").update(note="")
    _event(
        OfferEventKind.ERASURE,
        actor=None,
        saver=user,
        details={
            "reason": user.erasure_reason,
            "kept": {
                "assessments": InvestorAssessment.objects.filter(saver=user).count(),
                "regulated_pledges": RegulatedPledge.objects.filter(pledge__saver=user).count(),
                "lender_payments": LenderPayment.objects.filter(pledge__saver=user).count(),
            },
            "statements_removed": statements,
            "notes_cleared": notes,
        },
    )


# ---------------------------------------------------------------- payments to lenders (recorded, not made)

LENDER_PAYMENT_PLEDGE_KINDS = {
    LenderPaymentKind.INTEREST: (PledgeKind.LOAN,),
    LenderPaymentKind.REPAYMENT: (PledgeKind.LOAN,),
    LenderPaymentKind.DIVIDEND: (PledgeKind.SHARE,),
}


@transaction.atomic
def lender_payment_record(
    *, pool: Pool, by: User, pledge_id: int, kind: str, amount_ore: int, paid_on: date, note: str = ""
) -> LenderPayment:
    """Record interest, a repayment or a dividend the project or fund paid one lender (the platform moves no
    money). A negative amount reverses an earlier entry. Raises NotAllowed, LenderPaymentInvalid."""
    pool = _pool_locked(pool)
    if not user_may_record_lender_payments(user=by, pool=pool):
        raise NotAllowed()
    if kind not in LenderPaymentKind.values:
        raise LenderPaymentInvalid(_("Choose interest, repayment or dividend."), field="kind")
    if isinstance(amount_ore, bool) or not isinstance(amount_ore, int) or amount_ore == 0 or abs(amount_ore) > MAX_ORE:
        raise LenderPaymentInvalid(_("Give an amount other than zero."), field="amount")
    if paid_on > timezone.localdate():
        raise LenderPaymentInvalid(_("The payment date cannot be in the future."), field="paid_on")
    pledge = Pledge.objects.filter(pk=pledge_id, pool=pool).first()
    if pledge is None or pledge.kind not in LENDER_PAYMENT_PLEDGE_KINDS[LenderPaymentKind(kind)]:
        raise LenderPaymentInvalid(
            _("Choose a loan of this pool for interest or repayments, a share for dividends."), field="pledge"
        )
    row = LenderPayment(
        pool=pool,
        pledge=pledge,
        kind=kind,
        amount_ore=amount_ore,
        paid_on=paid_on,
        note=(note or "").strip()[:200],
        recorded_by=by,
    )
    # Not the pool again: it was just read and locked in its community; checking it here would read it by key alone.
    row.full_clean(exclude=["pool"])
    row.save()
    return row


# ---------------------------------------------------------------- fair cards to regulated offers


@transaction.atomic
def pledge_interest_confirm(*, pledge: Pledge, by: User, risk_consent: bool = False) -> Pledge:
    """Confirm a fair card's expression of interest online through the regulated steps: the approved sheet, a
    valid assessment, consent above the limit and the pool's limits; it then counts as a confirmed pledge and
    its reflection period starts today. Queues totals. Raises PledgeNotChangeable, PoolClosed, SheetNotApproved,
    AssessmentRequired, RiskConsentRequired and the pool-limit errors of pools.services.pledge_create."""
    from pools.errors import PoolClosed
    from pools.services import totals_enqueue
    from pools.services.pledges import _check_money_limits

    # Same lock order as pledge_create: the pool first, then the pledge.
    pool = Pool.objects.select_for_update().get(pk=pledge.pool_id)
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if pledge.saver_id != by.pk:
        raise PledgeNotChangeable()
    if pledge.status != PledgeStatus.INTEREST:
        raise PledgeNotChangeable(_("This pledge was already answered."))
    if not pool.is_open or timezone.localdate() > pool.closes_on:
        raise PoolClosed()
    amount = int(pledge.amount_ore or 0)
    _check_money_limits(pool, saver=by, amount_ore=amount, exclude_pk=pledge.pk)
    check = regulated_pledge_check(
        pool=pool, saver=by, kind=pledge.kind, source=PledgeSource.ONLINE, amount_ore=amount, risk_consent=risk_consent
    )
    pledge.status = PledgeStatus.CONFIRMED
    pledge.confirmed_at = timezone.now()
    pledge.save(update_fields=["status", "confirmed_at", "updated_at"])
    if check is not None:
        regulated_pledge_record(pledge=pledge, check=check)
    totals_enqueue(pool_id=pool.pk)
    return pledge
