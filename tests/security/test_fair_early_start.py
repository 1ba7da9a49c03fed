"""A fair cannot be started before its date without an explicit, recorded override."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from invest.fairs.errors import FairTooEarly
from invest.fairs.models import FairStatus
from invest.fairs.services import fair_start
from tests.invest.fairs.builders import fair_with_programme
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


def test_starting_before_the_date_is_refused_without_a_reason(organiser) -> None:
    fair, _pitches = fair_with_programme(organiser)
    assert fair.held_on > timezone.localdate()
    with pytest.raises(FairTooEarly):
        fair_start(fair=fair, by=organiser)
    with pytest.raises(FairTooEarly):
        fair_start(fair=fair, by=organiser, early_reason="   ")
    fair.refresh_from_db()
    assert fair.status == FairStatus.PROGRAMME_SET and fair.live_at is None


def test_an_early_start_records_who_and_why(organiser) -> None:
    fair, _pitches = fair_with_programme(organiser)
    fair = fair_start(fair=fair, by=organiser, early_reason="Moved forward a week; board decision 12 May")
    fair.refresh_from_db()
    assert fair.status == FairStatus.LIVE
    assert fair.early_start_by == organiser and "board decision" in fair.early_start_reason


def test_on_the_day_no_reason_is_needed(organiser) -> None:
    fair, _pitches = fair_with_programme(organiser)
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(fair.held_on, fair.starts_at))):
        fair_start(fair=fair, by=organiser)
    fair.refresh_from_db()
    assert fair.status == FairStatus.LIVE and fair.early_start_by is None and fair.early_start_reason == ""


def test_the_page_asks_for_the_reason(client, organiser) -> None:
    fair, _pitches = fair_with_programme(organiser)
    login_verified(client, organiser)
    assert 'name="early_reason"' in client.get(f"/fairs/{fair.pk}/").content.decode()
    client.post(f"/fairs/{fair.pk}/status/", {"action": "start"})
    fair.refresh_from_db()
    assert fair.status == FairStatus.PROGRAMME_SET
