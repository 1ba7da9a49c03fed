"""Fair reads: the board's cost and figures, visibility, and the report as of a past date."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from invest.fairs.selectors import fair_board, fair_report, pitch_list_visible, pitch_pledges_for_owner
from invest.fairs.services import fair_close
from pools.models import PaymentChannel
from pools.services import payment_allocate, payment_record, pledge_confirm, pledge_create, pledge_withdraw
from tests.factories import UserFactory
from tests.invest.fairs.builders import card, live_fair

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_board_is_one_aggregate_query_for_all_pitches_plus_names(organiser, django_assert_num_queries):
    small, small_pitches = live_fair(organiser, pitches=2)
    for index, pitch in enumerate(small_pitches):
        card(pitch, amount_ore=1_000 + index, name=f"S {index}")
    large, pitches = live_fair(organiser, pitches=5)
    for index, pitch in enumerate(pitches * 4):
        card(pitch, amount_ore=1_000 + index, is_name_public=index % 2 == 0, name=f"P {index}")
    # programme, the grouped aggregate, the public names: three, for 2 pitches with 2 cards as for 5 with 20
    with django_assert_num_queries(3):
        few = fair_board(fair=small)
    with django_assert_num_queries(3):
        rows = fair_board(fair=large)
    assert [r.pledge_count for r in few] == [1, 1]
    assert [r.pledge_count for r in rows] == [4] * 5
    assert sum(r.pledged_ore for r in rows) == sum(1_000 + i for i in range(20))


def test_board_counts_only_card_pledges_and_ignores_withdrawn(organiser, saver):
    fair, (a, _b) = live_fair(organiser)
    kept = card(a, amount_ore=10_000).pledge
    gone = card(a, amount_ore=20_000).pledge
    pledge_withdraw(pledge=gone, by=organiser)
    pledge_create(pool=a.pool, saver=saver, kind="gift", amount_ore=99_900)  # an online pledge, not a card
    row = fair_board(fair=fair)[0]
    assert row.pledged_ore == kept.amount_ore and row.pledge_count == 1


def test_applications_are_visible_to_organisers_and_their_owner_only(organiser, owner):
    fair, (mine, _other) = live_fair(organiser, owner=owner)
    stranger = UserFactory()
    assert mine in pitch_list_visible(user=owner, fair=fair)
    assert pitch_list_visible(user=stranger, fair=fair).count() == 2  # the programme is public
    assert pitch_list_visible(user=organiser, fair=fair).count() == 2


def test_owner_sees_names_only_where_allowed(organiser, owner):
    _fair, (pitch, _b) = live_fair(organiser, owner=owner)
    card(pitch, name="Syns", email="s@example.se", is_name_public=True, may_contact=False)
    card(pitch, name="Kontakt", email="k@example.se", is_name_public=False, may_contact=True)
    card(pitch, name="Dold", email="d@example.se", is_name_public=False, may_contact=False)
    rows = [(r.name, r.email) for r in pitch_pledges_for_owner(pitch=pitch)]
    assert rows == [("Syns", ""), ("Kontakt", "k@example.se"), ("", "")]


def test_report_as_of_a_past_date_gives_the_figures_of_that_day(organiser):
    day = datetime(2026, 10, 1, 19, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(day, tick=False):
        fair, (a, _b) = live_fair(organiser)
        gift = card(a, amount_ore=10_000, email="a@example.se").pledge
        loan = card(a, kind="loan", amount_ore=30_000, email="b@example.se").pledge
        card(a, kind="skill", amount_ore=None, description="Snickeri", email="c@example.se")
        fair_close(fair=fair, by=organiser)
    with time_machine.travel(day + timedelta(days=1), tick=False):
        pledge_confirm(token=gift.confirmation_token, by=None)
        day_one_then = fair_report(fair=fair, as_of=(day + timedelta(days=1)).date()).totals
    with time_machine.travel(day + timedelta(days=2), tick=False):
        payment = payment_record(
            amount_ore=10_000, received_on=(day + timedelta(days=2)).date(), channel=PaymentChannel.BGMAX
        )
        payment_allocate(payment=payment, parts=[(gift, 10_000)], by=None)
    with time_machine.travel(day + timedelta(days=3), tick=False):
        pledge_withdraw(pledge=loan, by=organiser)

    def figures(offset: int) -> dict:
        return fair_report(fair=fair, as_of=(day + timedelta(days=offset)).date()).totals

    assert figures(-1)["pledged_count"] == 0
    first = figures(0)
    assert (first["pledged_count"], first["pledged_ore"], first["confirmed_count"], first["received_ore"]) == (
        3,
        40_000,
        0,
        0,
    )
    assert figures(1)["confirmed_count"] == 1 and figures(1)["fulfilled_count"] == 0
    paid = figures(2)
    assert (paid["fulfilled_count"], paid["fulfilled_ore"], paid["received_ore"]) == (1, 10_000, 10_000)
    after = figures(3)
    assert (after["pledged_count"], after["pledged_ore"]) == (2, 10_000)
    # Asking for day 1 after everything happened gives what the report said on day 1.
    assert figures(1) == day_one_then and day_one_then["pledged_ore"] == 40_000
