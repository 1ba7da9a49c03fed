"""The entry knowledge test: a few questions on experience and on the risks of lending to and investing in
local enterprises. Correct answers are kept here, never sent to the browser."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Question:
    key: str
    text: Promise
    choices: tuple[tuple[str, Promise], ...]
    correct: str


QUESTIONS: tuple[Question, ...] = (
    Question(
        key="loss",
        text=_("If the enterprise fails, how much of the money you lent or invested can you lose?"),
        choices=(
            ("none", _("Nothing: the platform guarantees it")),
            ("part", _("At most the interest")),
            ("all", _("All of it")),
        ),
        correct="all",
    ),
    Question(
        key="guarantee",
        text=_("Is money lent through an offer here covered by the deposit guarantee or the investor compensation?"),
        choices=(("yes", _("Yes")), ("no", _("No"))),
        correct="no",
    ),
    Question(
        key="liquidity",
        text=_("Can you expect to sell your loan or shares quickly if you need the money?"),
        choices=(
            ("yes", _("Yes, whenever I like")),
            ("no", _("No, it may be impossible until the term ends")),
        ),
        correct="no",
    ),
    Question(
        key="spread",
        text=_("What lowers the risk of losing a large part of your savings?"),
        choices=(
            ("one", _("Putting everything into one enterprise")),
            ("spread", _("Investing only a small part of my savings, spread over several")),
        ),
        correct="spread",
    ),
    Question(
        key="experience",
        text=_("Have you lent money to or invested in an unlisted enterprise before?"),
        choices=(("yes", _("Yes")), ("no", _("No"))),
        # Experience is asked, not scored: either answer counts as correct.
        correct="*",
    ),
)

# The share of the questions that must be answered correctly to pass.
PASS_SHARE_PERCENT = 75


def score_answers(answers: dict[str, str]) -> tuple[int, int]:
    """(correct answers, scored questions) for a set of answers keyed by question key."""
    scored = [q for q in QUESTIONS if q.correct != "*"]
    return sum(1 for q in scored if answers.get(q.key) == q.correct), len(scored)
