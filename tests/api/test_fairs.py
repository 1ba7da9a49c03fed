"""The fairs API through APIClient: planning, programme, cards, board, follow-up and report."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from communities.services import community_create
from invest.fairs.models import Fair, FairCard, FairStatus, Pitch, PitchStatus, PledgeFollowUp
from invest.fairs.services import fair_close
from pools.models import Pledge, Pool, PoolKind
from tests.factories import FairFactory, PoolFactory, ProjectFactory, UserFactory
from tests.invest.fairs.builders import card, fair_with_programme, live_fair

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _as(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def _card(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {"card_id": str(uuid.uuid4()), "kind": "gift", "amount": "500.00", "name": "Bo"}
    body.update(fields)
    return body


FAIR_BODY = {
    "title": "Ödebymässan",
    "held_on": "2027-03-14",
    "starts_at": "18:00",
    "place": "Bygdegården",
    "capacity": 90,
}


# ---------------------------------------------------------------- planning


def test_organiser_creates_a_fair_and_status_cannot_be_set(organiser):
    response = _as(organiser).post("/api/fairs/", {**FAIR_BODY, "status": "live"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "planned"
    assert Fair.objects.get().status == FairStatus.PLANNED


def test_a_saver_cannot_create_a_fair(saver):
    assert _as(saver).post("/api/fairs/", FAIR_BODY, format="json").status_code == 403
    assert APIClient().post("/api/fairs/", FAIR_BODY, format="json").status_code == 401
    assert Fair.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"capacity": "1e9999"},
        {"capacity": "NaN"},
        {"capacity": -1},
        {"capacity": "'; DROP TABLE invest_fair; --"},
        {"title": "x" * 10_000},
        {"held_on": "2027-02-30"},
        {"starts_at": 12},
        {"pitch_slots": 999},
    ],
)
def test_fair_create_refuses_bad_input_with_field_errors(organiser, bad):
    response = _as(organiser).post("/api/fairs/", {**FAIR_BODY, **bad}, format="json")
    assert response.status_code == 400 and set(bad) <= set(response.json())
    assert Fair.objects.count() == 0


def test_fairs_are_listed_publicly_but_applications_only_to_their_owner(organiser, owner):
    fair = FairFactory(organiser=organiser)
    project = ProjectFactory(owner=owner)
    response = _as(owner).post(f"/api/fairs/{fair.pk}/applications/", {"project": project.pk}, format="json")
    assert response.status_code == 201
    assert [p["project_id"] for p in _as(owner).get(f"/api/fairs/{fair.pk}/").json()["pitches"]] == [project.pk]
    assert APIClient().get(f"/api/fairs/{fair.pk}/").json()["pitches"] == []
    assert APIClient().get("/api/fairs/").status_code == 200


def test_an_owner_cannot_apply_with_someone_elses_project(organiser, owner):
    fair = FairFactory(organiser=organiser)
    foreign = ProjectFactory()
    response = _as(owner).post(f"/api/fairs/{fair.pk}/applications/", {"project": foreign.pk}, format="json")
    assert response.status_code == 404 and Pitch.objects.count() == 0


def test_organiser_chooses_and_sets_the_programme(organiser):
    fair = FairFactory(organiser=organiser)
    project = ProjectFactory()
    pitch = Pitch.objects.get(
        pk=_as(project.owner).post(f"/api/fairs/{fair.pk}/applications/", {"project": project.pk}).json()["id"]
    )
    assert _as(organiser).post(f"/api/pitches/{pitch.pk}/choose/", {"target": "1e9999"}).status_code == 400
    response = _as(organiser).post(f"/api/pitches/{pitch.pk}/choose/", {"target": "75000.00"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "chosen"
    assert _as(project.owner).post(f"/api/pitches/{pitch.pk}/choose/").status_code == 404
    bad = _as(organiser).put(
        f"/api/fairs/{fair.pk}/programme/",
        {"slots": [{"pitch": pitch.pk, "position": 2, "starts_at": "18:00", "minutes": 5}]},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "programme_invalid"
    good = _as(organiser).put(
        f"/api/fairs/{fair.pk}/programme/",
        {"slots": [{"pitch": pitch.pk, "position": 1, "starts_at": "18:05", "minutes": 5}]},
        format="json",
    )
    assert good.status_code == 200 and good.json()["status"] == "programme_set"
    assert good.json()["pitches"][0]["short_link"].endswith(f"/f/{pitch.code}/")


def test_a_project_of_another_community_is_refused_with_its_field_and_nothing_written(organiser, owner):
    fair = FairFactory(organiser=organiser)  # the first community
    kvarnbyn = community_create(name="Kvarnbyns byalag", slug="kvarnbyn")
    elsewhere = ProjectFactory(owner=owner, community=kvarnbyn)
    response = _as(owner).post(f"/api/fairs/{fair.pk}/applications/", {"project": elsewhere.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "pitch_refused" and "project" in response.json()
    assert not Pitch.objects.exists()
    # Written before the rule: an application is not chosen, a chosen pitch is not put in the programme.
    applied = Pitch.objects.create(fair=fair, project=elsewhere, applied_by=owner, title="Ansökt", code="kvarn234")
    response = _as(organiser).post(f"/api/pitches/{applied.pk}/choose/", {"target": "75000.00"}, format="json")
    assert response.status_code == 400 and "project" in response.json()
    applied.refresh_from_db()
    assert applied.status == PitchStatus.APPLIED and applied.pool_id is None and not Pool.objects.exists()
    second = ProjectFactory(owner=owner, community=kvarnbyn)
    chosen = Pitch.objects.create(
        fair=fair,
        project=second,
        applied_by=owner,
        title="Vald",
        code="kvarn567",
        status=PitchStatus.CHOSEN,
        pool=PoolFactory(project=second, kind=PoolKind.FAIR),
    )
    response = _as(organiser).put(
        f"/api/fairs/{fair.pk}/programme/",
        {"slots": [{"pitch": chosen.pk, "position": 1, "starts_at": "18:05", "minutes": 5}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "programme_invalid" and "slots" in response.json()
    chosen.refresh_from_db()
    fair.refresh_from_db()
    assert chosen.position is None and fair.status == FairStatus.PLANNED


def test_owner_confirms_and_edits_their_pitch_but_not_anothers(organiser, owner):
    _fair, (mine, other) = fair_with_programme(organiser, owner=owner)
    client = _as(owner)
    assert client.post(f"/api/pitches/{mine.pk}/confirm/").json()["confirmed_at"]
    response = client.patch(f"/api/pitches/{mine.pk}/", {"ask": "Förköp", "status": "declined"}, format="json")
    assert response.status_code == 200 and response.json()["ask"] == "Förköp" and response.json()["status"] == "chosen"
    assert client.patch(f"/api/pitches/{mine.pk}/", {"title": ""}, format="json").status_code == 400
    for method, url in [
        ("post", f"/api/pitches/{other.pk}/confirm/"),
        ("patch", f"/api/pitches/{other.pk}/"),
        ("get", f"/api/pitches/{other.pk}/board/"),
        ("get", f"/api/pitches/{other.pk}/pledgers/"),
    ]:
        assert getattr(client, method)(url, {}, format="json").status_code == 404


def test_transitions_follow_the_lifecycle(organiser, saver):
    fair, _pitches = fair_with_programme(organiser)
    client = _as(organiser)
    assert client.post(f"/api/fairs/{fair.pk}/transitions/", {"action": "finish"}).status_code == 409
    assert client.post(f"/api/fairs/{fair.pk}/transitions/", {"action": "explode"}).status_code == 400
    early = client.post(f"/api/fairs/{fair.pk}/transitions/", {"action": "start"})
    assert early.status_code == 409 and early.json()["code"] == "fair_too_early"  # two weeks ahead
    started = client.post(f"/api/fairs/{fair.pk}/transitions/", {"action": "start", "early_reason": "dress rehearsal"})
    assert started.json()["status"] == "live"
    assert _as(saver).post(f"/api/fairs/{fair.pk}/transitions/", {"action": "close"}).status_code == 404


# ---------------------------------------------------------------- cards


def test_phone_card_creates_once_and_replays_on_retry(organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    body = _card()
    first = APIClient().post(f"/api/fair-cards/{pitch.code}/", body, format="json")
    again = APIClient().post(f"/api/fair-cards/{pitch.code}/", body, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["pledge"]["amount"] == "500.00"
    assert "confirmation_token" not in str(first.json())
    assert Pledge.objects.count() == 1


def test_same_card_id_with_another_body_is_a_conflict(organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    body = _card()
    APIClient().post(f"/api/fair-cards/{pitch.code}/", body, format="json")
    response = APIClient().post(f"/api/fair-cards/{pitch.code}/", {**body, "amount": "900.00"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "card_id_reused"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "1e9999"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": ["1"]}, "amount"),
        ({"amount": "x" * 10_000}, "amount"),
        ({"kind": "share"}, "kind"),
        ({"kind": "' OR 1=1 --"}, "kind"),
        ({"kind": "time", "description": "Måla", "hours": "NaN"}, "hours"),
        ({"kind": "time", "description": "Måla"}, "hours"),
        ({"kind": "skill", "description": "x" * 10_000}, "description"),
        ({"kind": "skill", "description": ""}, "description"),
        ({"email": "<script>alert(1)</script>"}, "email"),
        ({"name": "", "is_name_public": True}, "name"),
        ({"card_id": "123"}, "card_id"),
        ({"is_name_public": "perhaps"}, "is_name_public"),
        ({"kind": "support_saving"}, "months"),
    ],
)
def test_a_bad_card_is_refused_with_its_field_and_nothing_written(organiser, fields, field):
    _fair, (pitch, _b) = live_fair(organiser)
    response = APIClient().post(f"/api/fair-cards/{pitch.code}/", _card(**fields), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Pledge.objects.count() == 0 and FairCard.objects.count() == 0


def test_a_json_number_too_big_for_a_float_is_refused(organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    raw = '{"card_id": "' + str(uuid.uuid4()) + '", "kind": "gift", "amount": 1e999}'
    response = APIClient().post(f"/api/fair-cards/{pitch.code}/", raw, content_type="application/json")
    assert response.status_code == 400 and Pledge.objects.count() == 0


def test_phone_cards_are_closed_outside_the_evening(organiser):
    fair, (pitch, _b) = fair_with_programme(organiser)
    response = APIClient().post(f"/api/fair-cards/{pitch.code}/", _card(), format="json")
    assert response.status_code == 409 and response.json()["code"] == "cards_closed"
    assert APIClient().post("/api/fair-cards/zzzzzzzz/", _card(), format="json").status_code == 404


def test_volunteer_cards_are_for_organisers_and_stay_on_their_fair(organiser, owner):
    fair, (pitch, _b) = live_fair(organiser)
    other_fair, (foreign, _c) = live_fair(organiser)
    assert _as(owner).post(f"/api/fairs/{fair.pk}/cards/", _card(pitch=pitch.pk), format="json").status_code == 404
    response = _as(organiser).post(f"/api/fairs/{fair.pk}/cards/", _card(pitch=foreign.pk), format="json")
    assert response.status_code == 404
    response = _as(organiser).post(f"/api/fairs/{fair.pk}/cards/", _card(pitch=pitch.pk), format="json")
    assert response.status_code == 201 and response.json()["channel"] == "paper"


# ---------------------------------------------------------------- board, follow-up, report


def test_board_totals_per_pitch(organiser, saver):
    fair, (a, b) = live_fair(organiser)
    card(a, amount_ore=12_345)
    card(b, amount_ore=100, name="Dold", is_name_public=False)
    data = _as(organiser).get(f"/api/fairs/{fair.pk}/board/").json()
    assert [p["pledged"] for p in data["pitches"]] == ["123.45", "1.00"]
    assert data["total_pledged"] == "124.45" and data["pitches"][1]["names"] == []
    assert _as(saver).get(f"/api/fairs/{fair.pk}/board/").status_code == 404


def test_pledgers_show_contact_only_where_allowed_and_outcomes_are_recorded(organiser, owner):
    _fair, (pitch, other) = live_fair(organiser, owner=owner)
    open_pledge = card(pitch, name="Öppen", email="o@example.se", is_name_public=False, may_contact=True).pledge
    card(pitch, name="Dold", email="d@example.se", is_name_public=False, may_contact=False)
    rows = _as(owner).get(f"/api/pitches/{pitch.pk}/pledgers/").json()
    assert [(r["name"], r["email"]) for r in rows] == [("Öppen", "o@example.se"), ("", "")]
    url = f"/api/pitches/{pitch.pk}/pledgers/{open_pledge.pk}/follow-ups/"
    assert _as(owner).post(url, {"outcome": "nonsense"}).status_code == 400
    assert _as(owner).post(url, {"outcome": "done", "note": "x" * 10_000}).status_code == 400
    response = _as(owner).post(url, {"outcome": "will_pay", "note": "<b>maj</b>"}, format="json")
    assert response.status_code == 201 and PledgeFollowUp.objects.get().note == "<b>maj</b>"
    foreign = card(other).pledge
    assert (
        _as(owner).post(f"/api/pitches/{pitch.pk}/pledgers/{foreign.pk}/follow-ups/", {"outcome": "done"}).status_code
        == 404
    )
    stranger = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER))
    assert _as(stranger).post(url, {"outcome": "done"}).status_code == 404


def test_report_counts_per_pitch_and_kind_for_organisers_and_treasurers(organiser, treasurer, saver):
    fair, (a, _b) = live_fair(organiser)
    card(a, amount_ore=10_000)
    card(a, kind="skill", amount_ore=None, description="Snickeri")
    fair_close(fair=fair, by=organiser)
    data = _as(treasurer).get(f"/api/fairs/{fair.pk}/report/").json()
    assert [(r["kind"], r["pledged_count"], r["pledged"]) for r in data["rows"]] == [
        ("gift", 1, "100.00"),
        ("skill", 1, "0.00"),
    ]
    assert data["totals"]["pledged_ore"] == "100.00" and data["totals"]["confirmed_count"] == 0
    assert _as(saver).get(f"/api/fairs/{fair.pk}/report/").status_code == 404


def test_session_api_calls_need_the_csrf_token(organiser):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(organiser)
    assert client.post("/api/fairs/", FAIR_BODY, format="json").status_code == 403


def test_declined_pitch_shows_for_its_owner(organiser, owner):
    fair = FairFactory(organiser=organiser)
    project = ProjectFactory(owner=owner)
    pitch_id = _as(owner).post(f"/api/fairs/{fair.pk}/applications/", {"project": project.pk}).json()["id"]
    assert _as(organiser).post(f"/api/pitches/{pitch_id}/decline/").json()["status"] == PitchStatus.DECLINED


def test_phone_cards_are_throttled_per_client(organiser, settings, monkeypatch):
    from django.core.cache import cache

    from api.fairs import PhoneCardView

    cache.clear()
    _fair, (pitch, _b) = live_fair(organiser)
    # The throttle class is shared with other views: patch it for this test only.
    throttle = PhoneCardView.throttle_classes[0]
    monkeypatch.setattr(throttle, "THROTTLE_RATES", {**throttle.THROTTLE_RATES, "fair_cards": "2/min"})
    try:
        codes = [
            APIClient().post(f"/api/fair-cards/{pitch.code}/", _card(), format="json").status_code for _ in range(3)
        ]
    finally:
        cache.clear()
    assert codes == [201, 201, 429]


def test_report_as_of_is_validated(organiser):
    fair, _pitches = live_fair(organiser)
    assert _as(organiser).get(f"/api/fairs/{fair.pk}/report/?as_of=2026-13-01").status_code == 400
    data = _as(organiser).get(f"/api/fairs/{fair.pk}/report/?as_of=2020-01-01").json()
    assert data["as_of"] == "2020-01-01" and data["rows"] == []


def test_the_schema_documents_the_fair_endpoints_and_their_errors():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    card = schema["paths"]["/api/fair-cards/{code}/"]["post"]
    assert {"200", "201", "400", "404", "409", "429"} <= set(card["responses"])
    assert "/api/fairs/{fair_id}/board/" in schema["paths"]
    assert "FairCardKindEnum" in schema["components"]["schemas"]


def test_owner_withdraws_through_the_api_and_another_owner_gets_404(organiser, owner):
    _fair, (mine, other) = fair_with_programme(organiser, owner=owner)
    assert _as(owner).post(f"/api/pitches/{other.pk}/withdraw/").status_code == 404
    response = _as(owner).post(f"/api/pitches/{mine.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert _as(owner).post(f"/api/pitches/{mine.pk}/withdraw/").status_code == 400
