"""Builders for regulated-offer tests: a regulated loan pool with an approved sheet, and a saver's assessment."""

from __future__ import annotations

from accounts.models import User
from accounts.roles import Role
from pools.models import PoolKind
from pools.offers.models import OfferInstrument, SheetSection
from pools.offers.questions import QUESTIONS
from pools.offers.services import assessment_record, pool_offer_set, sheet_approve, sheet_write
from tests.factories import PoolFactory, ProjectFactory, UserFactory

SHEET = {
    language: {section: f"{label} — {language} text of {section}." for section, label in SheetSection.choices}
    for language in ("sv", "en")
}
RIGHT_ANSWERS = {q.key: (q.correct if q.correct != "*" else q.choices[0][0]) for q in QUESTIONS}
WRONG_ANSWERS = {
    q.key: next(choice for choice, _label in q.choices if choice != q.correct or q.correct == "*") for q in QUESTIONS
}


def regulated_loan_pool(*, organiser: User | None = None, owner: User | None = None, rate_bp: int = 500, **fields):
    """An open fair-kind pool of a project taking loans with interest, regulated, with an approved sheet v1."""
    organiser = organiser or UserFactory(roles=(Role.ORGANISER,))
    project = ProjectFactory(owner=owner) if owner else ProjectFactory()
    pool = PoolFactory(project=project, kind=PoolKind.FAIR, **fields)
    pool_offer_set(pool=pool, by=organiser, instrument=OfferInstrument.INTEREST_LOAN, interest_rate_bp=rate_bp)
    sheet = sheet_write(pool=pool, by=project.owner, content=SHEET)
    sheet_approve(sheet=sheet, by=organiser)
    return pool


def assessed(saver: User, *, net_worth_ore: int = 50_000_000, answers: dict[str, str] | None = None):
    """Record a passed knowledge test and loss simulation for the saver."""
    return assessment_record(
        saver=saver,
        answers=answers or RIGHT_ANSWERS,
        net_worth_ore=net_worth_ore,
        loss_acknowledged=True,
        warning_acknowledged=answers is not None,
    )
