"""Organisers see what each of their actions did, and a stray GET of a form's address leads back to the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.invest.fairs.builders import fair_with_programme
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(organiser):
    organiser.language = "en"
    organiser.save(update_fields=["language"])


def test_each_fair_step_says_what_it_did(client, organiser):
    fair, _pitches = fair_with_programme(organiser)
    login_verified(client, organiser)
    url = reverse("web:fair-status", args=[fair.pk])
    for action, message in [
        ("start", "The doors are open"),
        ("close", "Each pledger gets a link to confirm"),
        ("finish", "The follow-up is ended"),
    ]:
        # The programme's fair is dated ahead, so starting it now needs a recorded reason.
        response = client.post(
            url, {"action": action, "early_reason": "A rehearsal evening", "confirmed": "1"}, follow=True
        )
        assert message in response.text


def test_get_on_the_programme_address_leads_to_the_fair_page(client, organiser):
    fair, _pitches = fair_with_programme(organiser)
    login_verified(client, organiser)
    response = client.get(reverse("web:fair-programme", args=[fair.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:fair-detail", args=[fair.pk])


def test_progress_says_what_the_percentage_is_of(client, pool):
    pool.minimum_ore = 100_000
    pool.save(update_fields=["minimum_ore"])
    from pools.totals import pool_totals_recompute

    pool_totals_recompute(pool_id=pool.pk)
    text = client.get(reverse("web:savers:pool-detail", args=[pool.pk]), HTTP_ACCEPT_LANGUAGE="en").text
    assert "% of the minimum pledged" in text


def test_closing_and_finishing_a_fair_ask_first_on_a_page(client, organiser):
    from invest.fairs.models import Fair

    fair, _pitches = fair_with_programme(organiser)
    type(organiser).objects.filter(pk=organiser.pk).update(language="sv")
    login_verified(client, organiser)
    url = reverse("web:fair-status", args=[fair.pk])
    client.post(url, {"action": "start", "early_reason": "A rehearsal evening"})
    for action, status in [("close", "follow_up"), ("finish", "closed")]:
        asked = client.post(url, {"action": action}, HTTP_ACCEPT_LANGUAGE="sv")
        assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.text
        assert f'name="action" value="{action}"' in asked.text and "Detta kan inte ångras" in asked.text
        assert Fair.objects.get(pk=fair.pk).status != status  # nothing happened yet
        client.post(url, {"action": action, "confirmed": "1"})
        assert Fair.objects.get(pk=fair.pk).status == status
