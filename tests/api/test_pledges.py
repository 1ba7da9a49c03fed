"""The pledge API: create (idempotent), list, detail, change, withdraw; payments and data export."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from pools.models import IdempotencyKey, Pledge, PledgeKind, PledgeStatus, PoolStatus
from pools.references import ocr_is_valid
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import PoolFactory, ShareOfferPoolFactory

pytestmark = pytest.mark.django_db

LONG = "x" * 10_000
SCRIPT = "<script>alert(1)</script>"


def create_url(pool):
    return reverse("api:pledge-create", args=[pool.pk])


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache; test databases reuse user ids, so start each test clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def as_saver(api_client, saver):
    api_client.force_authenticate(saver)
    return api_client


MONTHLY = {"kind": "support_saving", "monthly_amount": "500.00", "months": 12}


def test_create_monthly_pledge_returns_amounts_as_strings_and_ocr(as_saver, pool, saver):
    response = as_saver.post(create_url(pool), MONTHLY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "6000.00" and body["monthly_amount"] == "500.00" and body["status"] == "pledged"
    assert ocr_is_valid(body["ocr_reference"])
    assert body["payment"]["bankgiro"] == pool.bankgiro
    assert body["payment"]["estimated_points"] == 500 * 12 * 13 // 2
    assert Pledge.objects.get().saver == saver


def test_create_share_pledge(as_saver):
    pool = ShareOfferPoolFactory()
    response = as_saver.post(create_url(pool), {"kind": "share", "share_count": 4}, format="json")
    assert response.status_code == 201 and response.json()["amount"] == "2000.00"


def test_create_requires_authentication(api_client, pool):
    assert api_client.post(create_url(pool), MONTHLY, format="json").status_code == 401
    assert not Pledge.objects.exists()


def test_session_create_needs_csrf_token(saver, pool):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(saver)
    assert client.post(create_url(pool), MONTHLY, format="json").status_code == 403
    assert not Pledge.objects.exists()


def test_token_authentication_works(api_client, saver, pool):
    token = Token.objects.create(user=saver)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.post(create_url(pool), MONTHLY, format="json").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**MONTHLY, "monthly_amount": "12.345"}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": "1e9999"}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": "NaN"}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": "Infinity"}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": "-1"}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": "0"}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": LONG}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": SCRIPT}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": "1' OR '1'='1"}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": True}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": [1]}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": 12.345}, "monthly_amount"),
        ({**MONTHLY, "monthly_amount": "100000000000000"}, "monthly_amount"),
        ({**MONTHLY, "months": 0}, "months"),
        ({**MONTHLY, "months": 10**9}, "months"),
        ({**MONTHLY, "months": "twelve"}, "months"),
        ({**MONTHLY, "months": None}, "months"),
        ({"kind": "support_saving", "monthly_amount": "500"}, "months"),
        ({**MONTHLY, "kind": "bitcoin"}, "kind"),
        ({**MONTHLY, "kind": SCRIPT}, "kind"),
        ({"monthly_amount": "500", "months": 12}, "kind"),
        ({**MONTHLY, "currency": "EUR"}, "currency"),
        ({**MONTHLY, "currency": LONG}, "currency"),
        ({**MONTHLY, "status": "fulfilled"}, "status"),
        ({**MONTHLY, "saver": 999}, "saver"),
        ({**MONTHLY, "ocr_reference": "12345678901234"}, "ocr_reference"),
        ({"kind": "support_saving", "amount": "100"}, "term_months"),
        ({"kind": "share", "share_count": 2}, "kind"),
        ({"kind": "time", "description": "", "quantity": "2"}, "description"),
        ({"kind": "time", "description": LONG, "quantity": "2"}, "description"),
        ({"kind": "time", "description": "Hjälp", "quantity": "NaN"}, "quantity"),
        ({"kind": "time", "description": "Hjälp", "quantity": "1e9999"}, "quantity"),
        ({"kind": "time", "description": "Hjälp"}, "quantity"),
    ],
)
def test_create_refuses_bad_input_with_400_and_writes_nothing(as_saver, pool, body, field):
    response = as_saver.post(create_url(pool), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "null", "{not json", "1"])
def test_create_refuses_non_object_bodies(as_saver, pool, payload):
    response = as_saver.post(create_url(pool), payload, content_type="application/json")
    assert response.status_code == 400
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("pool_fields", "status", "code"),
    [
        ({"status": PoolStatus.SUCCEEDED}, 409, "pool_closed"),
        ({"min_per_saver_ore": 1_000_000}, 400, "amount_below_minimum"),
        ({"max_per_saver_ore": 100_000}, 400, "amount_above_maximum"),
        ({"cap_ore": 100_000}, 409, "pool_oversubscribed"),
    ],
)
def test_create_refused_by_pool_rules(as_saver, pool_fields, status, code):
    pool = PoolFactory(**pool_fields)
    response = as_saver.post(create_url(pool), MONTHLY, format="json")
    assert response.status_code == status and response.json()["code"] == code
    assert not Pledge.objects.exists()


def test_create_on_draft_or_missing_pool_is_404(as_saver):
    draft = PoolFactory(status=PoolStatus.DRAFT)
    assert as_saver.post(create_url(draft), MONTHLY, format="json").status_code == 404
    assert as_saver.post("/api/pools/999999/pledges/", MONTHLY, format="json").status_code == 404


# ---------------------------------------------------------------- idempotency


def test_retry_with_same_key_replays_and_creates_nothing(as_saver, pool):
    first = as_saver.post(create_url(pool), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = as_saver.post(create_url(pool), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Pledge.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_same_key_with_other_body_is_409(as_saver, pool):
    as_saver.post(create_url(pool), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    response = as_saver.post(create_url(pool), {**MONTHLY, "months": 13}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    assert Pledge.objects.count() == 1


def test_same_key_to_another_pool_is_409(as_saver, pool):
    other = PoolFactory()
    as_saver.post(create_url(pool), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert as_saver.post(create_url(other), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY="abc-1").status_code == 409


def test_keys_are_per_user(api_client, saver, other_saver, pool):
    api_client.force_authenticate(saver)
    api_client.post(create_url(pool), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    api_client.force_authenticate(other_saver)
    response = api_client.post(create_url(pool), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert Pledge.objects.filter(saver=other_saver).count() == 1


def test_refused_request_stores_no_key_and_can_be_retried(as_saver):
    pool = PoolFactory(cap_ore=100_000)
    response = as_saver.post(create_url(pool), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 101, "bad key", "<script>", "ä"])
def test_malformed_idempotency_key_is_400(as_saver, pool, key):
    response = as_saver.post(create_url(pool), MONTHLY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert not Pledge.objects.exists()


# ---------------------------------------------------------------- list, detail, change, withdraw


@pytest.fixture
def mine(saver, pool):
    return pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)


@pytest.fixture
def theirs(other_saver, pool):
    return pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)


def test_list_shows_only_my_pledges_with_cursor_pages(as_saver, saver, pool, mine, theirs):
    for _ in range(3):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100, term_months=1)
    response = as_saver.get(reverse("api:pledge-list"), {"page_size": 2})
    body = response.json()
    assert response.status_code == 200 and len(body["results"]) == 2 and "cursor=" in body["next"]
    ids = [p["id"] for p in body["results"]]
    ids += [p["id"] for p in as_saver.get(body["next"]).json()["results"]]
    assert theirs.pk not in ids and mine.pk in ids and len(ids) == 4


def test_list_filters_by_status(as_saver, mine):
    assert as_saver.get(reverse("api:pledge-list"), {"status": "withdrawn"}).json()["results"] == []
    assert as_saver.get(reverse("api:pledge-list"), {"status": SCRIPT}).status_code == 400


def test_detail_shows_payments_matched(as_saver, mine, treasurer):
    payment = payment_record(amount_ore=50_000, received_on=mine.created_at.date(), channel="manual")
    payment_allocate(payment=payment, parts=[(mine, 50_000)], by=treasurer)
    body = as_saver.get(reverse("api:pledge-detail", args=[mine.pk])).json()
    assert body["payments"][0]["amount"] == "500.00"
    assert body["payment"]["received"] == "500.00" and body["status"] == "partly_fulfilled"


def test_another_savers_pledge_is_404_for_every_action(as_saver, theirs):
    assert as_saver.get(reverse("api:pledge-detail", args=[theirs.pk])).status_code == 404
    assert (
        as_saver.patch(reverse("api:pledge-detail", args=[theirs.pk]), {"months": 1}, format="json").status_code == 404
    )
    assert as_saver.post(reverse("api:pledge-withdraw", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == PledgeStatus.PLEDGED and theirs.months == 12


def test_change_monthly_amount(as_saver, mine):
    response = as_saver.patch(reverse("api:pledge-detail", args=[mine.pk]), {"monthly_amount": "600"}, format="json")
    assert response.status_code == 200 and response.json()["amount"] == "7200.00"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"monthly_amount": "12.345"},
        {"monthly_amount": "NaN"},
        {"monthly_amount": "-1"},
        {"monthly_amount": LONG},
        {"months": 0},
        {"months": "1; DROP TABLE pools_pledge"},
        {"status": "fulfilled"},
        {"ocr_reference": "1234"},
        {"amount_ore": 1},
    ],
)
def test_change_refuses_bad_input(as_saver, mine, body):
    response = as_saver.patch(reverse("api:pledge-detail", args=[mine.pk]), body, format="json")
    assert response.status_code == 400
    mine.refresh_from_db()
    assert (mine.monthly_ore, mine.months, mine.status) == (50_000, 12, "pledged")


def test_change_over_maximum_is_refused(as_saver, saver):
    pool = PoolFactory(max_per_saver_ore=1_000_000)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)
    response = as_saver.patch(reverse("api:pledge-detail", args=[pledge.pk]), {"months": 30}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "amount_above_maximum"


def test_withdraw_then_withdraw_again_is_409(as_saver, mine):
    assert as_saver.post(reverse("api:pledge-withdraw", args=[mine.pk])).json()["status"] == "withdrawn"
    assert as_saver.post(reverse("api:pledge-withdraw", args=[mine.pk])).status_code == 409


# ---------------------------------------------------------------- me


def test_my_payments_show_only_my_matches(as_saver, mine, theirs, treasurer):
    payment = payment_record(amount_ore=100_000, received_on=mine.created_at.date(), channel="manual")
    payment_allocate(payment=payment, parts=[(mine, 40_000), (theirs, 60_000)], by=treasurer)
    body = as_saver.get(reverse("api:my-payments")).json()
    assert [(row["pledge_id"], row["amount"]) for row in body["results"]] == [(mine.pk, "400.00")]


def test_my_export_holds_only_my_data(as_saver, saver, mine, theirs):
    body = as_saver.get(reverse("api:my-export")).json()
    assert body["profile"]["email"] == saver.email
    assert [p["id"] for p in body["pledges"]] == [mine.pk]


def test_me_endpoints_need_login(api_client):
    assert api_client.get(reverse("api:my-payments")).status_code == 401
    assert api_client.get(reverse("api:my-export")).status_code == 401
    assert api_client.get(reverse("api:pledge-list")).status_code == 401


def test_schema_documents_pledge_endpoints(api_client):
    response = api_client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/pools/{pool_id}/pledges/" in paths and "/api/me/export/" in paths


def test_pledge_creation_is_throttled_per_user(as_saver, pool, settings, monkeypatch):
    from api.pledges import PledgeCreateView

    throttle = PledgeCreateView.throttle_classes[0]
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "pledge_create": "2/minute"}
    monkeypatch.setattr(throttle, "THROTTLE_RATES", rates)
    codes = [as_saver.post(create_url(pool), MONTHLY, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert Pledge.objects.count() == 2


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808"])
def test_huge_ids_are_404_not_500(as_saver, pk):
    assert as_saver.get(f"/api/pledges/{pk}/").status_code == 404
    assert as_saver.post(f"/api/pledges/{pk}/withdraw/").status_code == 404
    assert as_saver.post(f"/api/pools/{pk}/pledges/", MONTHLY, format="json").status_code == 404


def test_treasurer_and_organiser_see_only_their_own_pledges_here(api_client, treasurer, organiser, mine):
    for user in (treasurer, organiser):
        api_client.force_authenticate(user)
        assert api_client.get(reverse("api:pledge-detail", args=[mine.pk])).status_code == 404
        assert api_client.get(reverse("api:pledge-list")).json()["results"] == []
        assert api_client.get(reverse("api:my-payments")).json()["results"] == []


def test_pledge_list_query_count_does_not_grow_with_pledges(as_saver, saver, pool):
    def pledge(pools: list, count: int) -> None:
        for index in range(count):
            pledge_create(
                pool=pools[index % len(pools)], saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=1000, months=3
            )

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            body = as_saver.get(reverse("api:pledge-list")).json()
        return len(captured), len(body["results"])

    pledge([pool], 2)
    as_saver.get(reverse("api:pledge-list"))  # warm per-user caches, so both sizes are measured alike
    few = queries()
    pledge([pool, PoolFactory(), PoolFactory()], 4)
    many = queries()
    assert (few[1], many[1]) == (2, 6)
    assert many[0] == few[0] <= 6
