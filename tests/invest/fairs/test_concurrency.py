"""200 pledge cards at once on PostgreSQL: each counted exactly once, retries included."""

from __future__ import annotations

import random
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum

from invest.fairs.models import FairCard
from invest.fairs.selectors import fair_board
from invest.fairs.services import CardInput, fair_card_submit
from pools.models import Pledge
from tests.invest.fairs.builders import live_fair

CARDS = 200
THREADS = 20  # PostgreSQL here allows 100 connections, shared by six engineers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_cards_are_each_counted_once(organiser):
    fair, pitches = live_fair(organiser, pitches=3)
    rng = random.Random(6)
    cards = []
    for index in range(CARDS):
        pitch = pitches[index % len(pitches)]
        if index % 5 == 4:
            body = CardInput(kind="time", hours=Decimal(rng.randint(1, 8)), description=f"Hjälp {index}")
        else:
            body = CardInput(
                kind=rng.choice(["gift", "loan", "pre_purchase"]),
                amount_ore=rng.randint(1, 5000) * 100 + rng.randint(0, 99),
                name=f"Person {index}",
                is_name_public=index % 2 == 0,
            )
        cards.append((pitch, uuid.uuid4(), body))
    # Every card is sent twice, by two different threads, as a retry would.
    work = cards + cards
    rng.shuffle(work)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    created = []

    def submit(chunk: list) -> None:
        try:
            barrier.wait(timeout=30)
            for pitch, card_id, body in chunk:
                _row, made = fair_card_submit(pitch=pitch, card_id=card_id, card=body, channel="phone")
                created.append(made)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(work[i::THREADS],)) for i in range(THREADS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    print(f"{2 * CARDS} submits ({CARDS} cards, each twice) by {THREADS} threads in {elapsed:.1f} s")
    assert not errors, errors[:3]
    assert sum(created) == CARDS and len(created) == 2 * CARDS

    assert Pledge.objects.count() == CARDS and FairCard.objects.count() == CARDS
    board = {row.pitch_id: row for row in fair_board(fair=fair)}
    for pitch in pitches:
        mine = [body for p, _id, body in cards if p.pk == pitch.pk]
        expected_money = sum(b.amount_ore or 0 for b in mine)
        row = board[pitch.pk]
        assert row.pledged_ore == expected_money
        assert row.pledge_count == len(mine)
        assert row.pledgers == len(mine)
        assert row.hours == sum((b.hours for b in mine if b.hours), Decimal(0))
        stored = Pledge.objects.filter(pool=pitch.pool).aggregate(total=Sum("amount_ore"), n=Count("pk"))
        assert stored["total"] == expected_money and stored["n"] == len(mine)
