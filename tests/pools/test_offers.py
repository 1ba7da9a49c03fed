"""Regulated offers: which pools are regulated, the switch, the sheet and its approval, the assessment, consent
above the limit, the reflection period, reminders, export and erasure."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone, translation

from accounts.roles import Role
from people.erasure import user_erase
from people.export import user_data_export, user_data_export_csv_rows
from pools.models import PaymentChannel, PledgeKind, PledgeStatus, PoolKind, PoolStatus
from pools.offers.errors import (
    AssessmentInvalid,
    AssessmentRequired,
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
    OfferEvent,
    OfferEventKind,
    OfferInstrument,
    RegulatedPledge,
    SheetStatus,
    YearlyStatement,
)
from pools.offers.selectors import consent_limit_ore, pool_is_regulated, reflection_last_day
from pools.offers.services import lender_payment_record, pledge_revoke, pool_offer_set, sheet_approve, sheet_write
from pools.reminders import reminders_plan
from pools.services import payment_allocate, payment_record, pledge_create, pool_open
from pools.totals import pool_totals_figures
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.pools.offers_helpers import SHEET, WRONG_ANSWERS, assessed, regulated_loan_pool

STOCKHOLM = ZoneInfo("Europe/Stockholm")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("instrument", "expected"),
    [
        (OfferInstrument.INTEREST_LOAN, True),
        (OfferInstrument.TRANSFERABLE_SECURITIES, True),
        (OfferInstrument.INTEREST_FREE_LOAN, False),
        (OfferInstrument.MEMBER_SHARES, False),
        (OfferInstrument.OTHER, False),
    ],
)
def test_regulated_by_default_follows_the_instrument(organiser, instrument, expected) -> None:
    pool = PoolFactory()
    pool_offer_set(pool=pool, by=organiser, instrument=instrument)
    assert pool_is_regulated(pool=pool) is expected


def test_a_pool_without_offer_terms_is_not_regulated_and_the_per_pool_setting_wins(organiser) -> None:
    pool = PoolFactory()
    assert pool_is_regulated(pool=pool) is False
    pool_offer_set(pool=pool, by=organiser, instrument=OfferInstrument.INTEREST_LOAN, regulated=False)
    assert pool_is_regulated(pool=pool) is False
    pool_offer_set(pool=pool, by=organiser, instrument=OfferInstrument.MEMBER_SHARES, regulated=True)
    assert pool_is_regulated(pool=pool) is True


def test_only_organisers_set_offer_terms(owner) -> None:
    with pytest.raises(NotAllowed):
        pool_offer_set(pool=PoolFactory(), by=owner, instrument=OfferInstrument.INTEREST_LOAN)


@override_settings(OFFERS_REGULATED_INSTRUMENTS=["interest_loan"])
def test_the_defaults_are_settings(organiser) -> None:
    pool = PoolFactory()
    pool_offer_set(pool=pool, by=organiser, instrument=OfferInstrument.TRANSFERABLE_SECURITIES)
    assert pool_is_regulated(pool=pool) is False


def test_with_the_switch_off_an_organiser_cannot_open_a_regulated_pool_and_sees_why(organiser) -> None:
    pool = regulated_loan_pool(organiser=organiser, status=PoolStatus.DRAFT)
    with override_settings(OFFERS_REGULATED_ALLOWED=False), pytest.raises(RegulatedOffersForbidden) as refused:
        pool_open(pool=pool)
    with translation.override("en"):
        assert "crowdfunding permit" in str(refused.value.message)
    pool.refresh_from_db()
    assert pool.status == PoolStatus.DRAFT
    # A pool that is not regulated opens as before.
    plain = PoolFactory(status=PoolStatus.DRAFT)
    with override_settings(OFFERS_REGULATED_ALLOWED=False):
        assert pool_open(pool=plain).status == PoolStatus.OPEN
    # With the switch on, the regulated pool opens.
    assert pool_open(pool=pool).status == PoolStatus.OPEN


def test_a_regulated_pool_opens_only_with_an_approved_sheet(organiser) -> None:
    pool = PoolFactory(kind=PoolKind.FAIR, status=PoolStatus.DRAFT)
    pool_offer_set(pool=pool, by=organiser, instrument=OfferInstrument.INTEREST_LOAN)
    with pytest.raises(SheetNotApproved):
        pool_open(pool=pool)


def test_with_the_switch_off_marking_an_open_pool_regulated_is_refused(organiser) -> None:
    pool = PoolFactory()
    with override_settings(OFFERS_REGULATED_ALLOWED=False), pytest.raises(RegulatedOffersForbidden):
        pool_offer_set(pool=pool, by=organiser, instrument=OfferInstrument.INTEREST_LOAN)


def test_the_sheet_needs_every_section_in_swedish_and_english(organiser) -> None:
    pool = PoolFactory()
    content = {"sv": dict(SHEET["sv"]), "en": dict(SHEET["en"])}
    content["en"]["risks"] = " "
    with pytest.raises(SheetIncomplete) as refused:
        sheet_write(pool=pool, by=pool.project.owner, content=content)
    assert refused.value.field == "en.risks"


def test_others_may_not_write_a_pools_sheet(other_saver) -> None:
    with pytest.raises(NotAllowed):
        sheet_write(pool=PoolFactory(), by=other_saver, content=SHEET)


def test_sheet_versions_and_the_version_a_pledge_was_made_on(organiser, saver) -> None:
    pool = regulated_loan_pool(organiser=organiser)
    assessed(saver)
    first = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    v2 = sheet_write(pool=pool, by=pool.project.owner, content=SHEET)
    assert v2.version == 2 and v2.status == SheetStatus.DRAFT
    sheet_approve(sheet=v2, by=organiser)
    second = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    assert first.regulated.sheet.version == 1
    assert second.regulated.sheet.version == 2
    assert list(KeyInfoSheet.objects.filter(pool=pool).values_list("version", "status")) == [
        (2, SheetStatus.APPROVED),
        (1, SheetStatus.SUPERSEDED),
    ]
    versions = OfferEvent.objects.filter(kind=OfferEventKind.SHEET_VERSION, pool=pool)
    assert sorted(versions.values_list("details__version", flat=True)) == [1, 2]


def test_an_owner_approving_their_own_sheet_needs_a_second_organiser() -> None:
    owner_organiser = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER, Role.ORGANISER))
    second = UserFactory(roles=(Role.ORGANISER,))
    pool = PoolFactory(project=ProjectFactory(owner=owner_organiser), kind=PoolKind.FAIR)
    sheet = sheet_write(pool=pool, by=owner_organiser, content=SHEET)
    sheet = sheet_approve(sheet=sheet, by=owner_organiser)
    assert sheet.status == SheetStatus.DRAFT and sheet.approved_by == owner_organiser
    with pytest.raises(SheetNotChangeable):
        sheet_approve(sheet=sheet, by=owner_organiser)
    sheet = sheet_approve(sheet=sheet, by=second)
    assert sheet.status == SheetStatus.APPROVED
    assert (sheet.approved_by, sheet.second_approved_by) == (owner_organiser, second)


def test_a_saver_cannot_approve_a_sheet(saver) -> None:
    pool = PoolFactory()
    sheet = sheet_write(pool=pool, by=pool.project.owner, content=SHEET)
    with pytest.raises(NotAllowed):
        sheet_approve(sheet=sheet, by=saver)


def test_failing_the_test_is_allowed_only_with_the_warning_acknowledged(saver) -> None:
    from pools.offers.services import assessment_record

    with pytest.raises(AssessmentInvalid) as refused:
        assessment_record(saver=saver, answers=WRONG_ANSWERS, net_worth_ore=1_000_000, loss_acknowledged=True)
    assert refused.value.field == "warning_acknowledged"
    assessment = assessed(saver, answers=WRONG_ANSWERS)
    assert not assessment.passed and assessment.warning_acknowledged
    kinds = list(OfferEvent.objects.filter(saver=saver).values_list("kind", flat=True))
    assert kinds == [OfferEventKind.ASSESSMENT, OfferEventKind.WARNING_ACKNOWLEDGED]


def test_the_loss_simulation_must_be_acknowledged(saver) -> None:
    from pools.offers.services import assessment_record
    from tests.pools.offers_helpers import RIGHT_ANSWERS

    with pytest.raises(AssessmentInvalid):
        assessment_record(saver=saver, answers=RIGHT_ANSWERS, net_worth_ore=1_000_000, loss_acknowledged=False)
    assert not InvestorAssessment.objects.exists()


@override_settings(OFFERS_EUR_SEK_ORE=1150)
def test_the_consent_limit_is_the_higher_of_eur_1000_and_5_percent_of_net_worth() -> None:
    assert consent_limit_ore(net_worth_ore=0) == 1_150_000
    assert consent_limit_ore(net_worth_ore=10_000_000) == 1_150_000
    assert consent_limit_ore(net_worth_ore=100_000_000) == 5_000_000


def test_a_regulated_pledge_needs_a_valid_assessment_repeated_every_two_years(saver) -> None:
    pool = regulated_loan_pool()
    with pytest.raises(AssessmentRequired):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    with time_machine.travel(timezone.now() - timedelta(days=731)):
        assessed(saver)
    with pytest.raises(AssessmentRequired):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    assessed(saver)
    assert pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000).regulated


def test_above_the_limit_a_regulated_pledge_needs_risk_consent_recorded_with_it(saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver, net_worth_ore=100_000_000)  # limit: 5 % = 50 000 kr
    with pytest.raises(RiskConsentRequired) as refused:
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=5_000_001)
    assert refused.value.field == "risk_consent"
    below = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=5_000_000)
    assert below.regulated.risk_consent_at is None
    above = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=5_000_001, risk_consent=True)
    assert above.regulated.risk_consent_at is not None
    assert above.regulated.consent_limit_ore == 5_000_000
    consent = OfferEvent.objects.get(kind=OfferEventKind.RISK_CONSENT)
    assert consent.pledge == above and consent.details == {"amount_ore": 5_000_001, "limit_ore": 5_000_000}


def test_gifts_to_a_regulated_pool_and_loans_to_other_pools_need_none_of_the_steps(saver) -> None:
    pool = regulated_loan_pool()
    gift = pledge_create(pool=pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=40_000_000)
    # 400 000 kr: well above the consent limit, within a fair pledge's plausibility limit (POOL_MAX_PLEDGE_ORE).
    loan = pledge_create(pool=PoolFactory(kind=PoolKind.FAIR), saver=saver, kind=PledgeKind.LOAN, amount_ore=40_000_000)
    assert not RegulatedPledge.objects.filter(pledge__in=[gift, loan]).exists()


def _pledge_on(pool, saver, day: date, **fields):
    with time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=STOCKHOLM), tick=False):
        return pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=200_000, **fields)


def test_revoking_on_day_three_withdraws_the_pledge_and_it_leaves_the_totals(saver) -> None:
    today = timezone.localdate()
    pool = regulated_loan_pool(closes_on=today + timedelta(days=60))
    assessed(saver)
    pledge = _pledge_on(pool, saver, today)
    assert pledge.regulated.reflection_ends_on == today + timedelta(days=4) == reflection_last_day(pledged_on=today)
    assert pool_totals_figures(pool_ids=[pool.pk])[pool.pk]["pledged_ore"] == 200_000
    with time_machine.travel(datetime.combine(today + timedelta(days=3), datetime.min.time(), STOCKHOLM)):
        pledge = pledge_revoke(pledge=pledge, by=saver)
    assert pledge.status == PledgeStatus.WITHDRAWN
    assert pool_totals_figures(pool_ids=[pool.pk])[pool.pk]["pledged_ore"] == 0
    assert OfferEvent.objects.get(kind=OfferEventKind.REVOCATION).pledge == pledge
    with pytest.raises(RevocationNotPossible):
        pledge_revoke(pledge=pledge, by=saver)


def test_the_last_day_is_the_fourth_calendar_day_in_stockholm_and_after_it_revoking_is_refused(saver) -> None:
    today = timezone.localdate()
    pool = regulated_loan_pool(closes_on=today + timedelta(days=60))
    assessed(saver)
    # 23:30 on the pledge day in Stockholm is already the next day in UTC: the Stockholm day counts.
    at = datetime.combine(today, datetime.min.time(), STOCKHOLM).replace(hour=23, minute=30)
    with time_machine.travel(at, tick=False):
        pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=200_000)
    assert pledge.regulated.reflection_ends_on == today + timedelta(days=4)
    last_minute = datetime.combine(today + timedelta(days=4), datetime.min.time(), STOCKHOLM).replace(
        hour=23, minute=59
    )
    with time_machine.travel(last_minute + timedelta(minutes=2), tick=False), pytest.raises(RevocationNotPossible):
        pledge_revoke(pledge=pledge, by=saver)
    with time_machine.travel(last_minute, tick=False):
        assert pledge_revoke(pledge=pledge, by=saver).status == PledgeStatus.WITHDRAWN


def test_a_revoked_pledge_with_money_matched_goes_onto_the_refund_list(saver, treasurer) -> None:
    from treasury.selectors import payout_candidates

    pool = regulated_loan_pool()
    assessed(saver)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=200_000)
    payment = payment_record(
        amount_ore=200_000,
        received_on=timezone.localdate(),
        channel=PaymentChannel.MANUAL,
        payer_account="SE45 5000 0000 0583 9825 7466",
    )
    payment_allocate(payment=payment, parts=[(pledge, 200_000)], by=treasurer)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FULFILLED
    pledge_revoke(pledge=pledge, by=saver)
    candidates = payout_candidates(kind="refund")
    assert [(c.pledge_id, c.amount_ore) for c in candidates if c.pledge_id == pledge.pk] == [(pledge.pk, 200_000)]


def test_another_saver_cannot_revoke(saver, other_saver) -> None:
    from pools.errors import PledgeNotChangeable

    pool = regulated_loan_pool()
    assessed(saver)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=200_000)
    with pytest.raises(PledgeNotChangeable):
        pledge_revoke(pledge=pledge, by=other_saver)


def test_payment_reminders_for_a_regulated_pledge_start_only_after_the_reflection_period(saver) -> None:
    from pools.models import Pledge, Reminder

    today = timezone.localdate()
    pool = regulated_loan_pool(closes_on=today + timedelta(days=90))
    plain_pool = PoolFactory(kind=PoolKind.FAIR, closes_on=today + timedelta(days=90))
    assessed(saver)
    regulated = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=200_000)
    plain = pledge_create(pool=plain_pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=200_000)
    # Both were due long ago (as if the due day had been set early): only the plain one is chased now.
    Pledge.objects.filter(pk__in=[regulated.pk, plain.pk]).update(due_on=today - timedelta(days=40))
    reminders_plan(today=today)
    chased = set(Reminder.objects.filter(kind="payment_missing").values_list("pledge_id", flat=True))
    assert chased == {plain.pk}
    reminders_plan(today=today + timedelta(days=5))
    chased = set(Reminder.objects.filter(kind="payment_missing").values_list("pledge_id", flat=True))
    assert chased == {plain.pk, regulated.pk}


def test_the_data_export_holds_the_assessment_consent_revocation_and_events(saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver, net_worth_ore=10_000_000)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=2_000_000, risk_consent=True)
    pledge_revoke(pledge=pledge, by=saver)
    export = user_data_export(user=saver)["regulated_offers"]
    assert [a["net_worth_ore"] for a in export["assessments"]] == [10_000_000]
    [record] = export["regulated_pledges"]
    assert record["pledge_id"] == pledge.pk and record["sheet_version"] == 1
    assert record["risk_consent_at"] and record["revoked_at"]
    assert [e["kind"] for e in export["events"]] == ["assessment", "regulated_pledge", "risk_consent", "revocation"]
    rows = user_data_export_csv_rows(user=saver)
    assert any(r[0] == "offers_events" and r[2] == "revocation" for r in rows)


def test_erasure_keeps_the_regulatory_records_anonymised_and_removes_named_statements(saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=200_000)
    YearlyStatement.objects.create(saver=saver, year=2025, language="sv", pdf=b"%PDF named")
    paid = lender_payment_record(
        pool=pool,
        by=pool.project.owner,
        pledge_id=pledge.pk,
        kind="interest",
        amount_ore=1_000,
        paid_on=timezone.localdate(),
        note=f"Ränta till {saver.full_name}",
    )
    assert user_data_export(user=saver)["regulated_offers"]["lender_payments"][0]["amount_ore"] == 1_000
    user_erase(user=saver, reason="asked by mail")
    saver.refresh_from_db()
    assert saver.full_name == "" and saver.erasure_reason == "asked by mail"
    assert RegulatedPledge.objects.filter(pledge=pledge).exists()
    assert InvestorAssessment.objects.filter(saver=saver).exists()
    paid.refresh_from_db()
    assert paid.amount_ore == 1_000 and paid.note == ""
    assert OfferEvent.objects.filter(saver=saver).count() == 3
    erasure = OfferEvent.objects.get(saver=saver, kind="erasure")
    assert erasure.details["reason"] == "asked by mail"
    assert erasure.details["kept"] == {"assessments": 1, "regulated_pledges": 1, "lender_payments": 1}
    assert erasure.details["statements_removed"] == 1 and erasure.details["notes_cleared"] == 1
    assert not YearlyStatement.objects.filter(saver=saver).exists()


def test_a_regulated_pledge_without_consent_cannot_be_raised_above_the_limit(saver) -> None:
    from pools.services import pledge_change

    pool = regulated_loan_pool()
    assessed(saver, net_worth_ore=0)  # the limit is EUR 1,000: 11 500 kr
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=1_000_000)
    with pytest.raises(RiskConsentRequired):
        pledge_change(pledge=pledge, by=saver, amount_ore=1_150_001)
    assert pledge_change(pledge=pledge, by=saver, amount_ore=1_150_000).amount_ore == 1_150_000
