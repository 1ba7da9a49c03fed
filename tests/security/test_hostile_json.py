"""Hostile JSON bodies answer 400 with the usual error body, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE_BODIES = {
    "nested_arrays": b"[" * 1000 + b"]" * 1000,
    "nested_objects": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "deep_in_a_field": b'{"email": "a@b.se", "password": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "huge_integer": b'{"email": "a@b.se", "password": ' + b"9" * 100_000 + b"}",
    "huge_float": b'{"amount": 1e999}',
    "nan": b'{"amount": NaN}',
    "infinity": b'{"amount": -Infinity}',
    "duplicate_keys": b'{"email": "a@b.se", "email": "c@d.se", "password": "x"}',
    "invalid_utf8": b'{"email": "\xff\xfe@b.se", "password": "x"}',
    "lone_surrogate_bytes": b'{"email": "\xed\xa0\x80", "password": "x"}',
}


def _saver_client() -> APIClient:
    api = APIClient()
    api.force_authenticate(UserFactory())
    return api


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/pools/1/pledges/", "/api/fair-cards/ABCDEF/"])
def test_hostile_json_answers_400_with_the_error_body(name: str, path: str, pool) -> None:
    body = HOSTILE_BODIES[name]
    api = _saver_client() if "pledges" in path else APIClient()
    path = path.replace("/1/", f"/{pool.pk}/")
    response = api.generic("POST", path, body, content_type="application/json")
    assert response.status_code == 400 if "fair-cards" not in path else response.status_code in (400, 404)
    payload = response.json()
    assert payload["code"] and payload.get("detail") or payload.get("non_field_errors")


def test_unauthenticated_deep_nesting_is_a_parse_error() -> None:
    response = APIClient().generic(
        "POST", "/api/auth/token/", HOSTILE_BODIES["nested_arrays"], content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"]


def test_ordinary_nesting_still_parses(saver) -> None:
    response = APIClient().post("/api/auth/token/", {"email": saver.email, "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_login"


def test_json_numbers_with_a_fraction_are_read_exactly_never_as_float() -> None:
    from decimal import Decimal
    from io import BytesIO

    from api.parsers import StrictJSONParser

    data = StrictJSONParser().parse(BytesIO(b'{"amount": 0.10000000000000001, "big": 1e308}'))
    assert data["amount"] == Decimal("0.10000000000000001") and isinstance(data["amount"], Decimal)
    assert data["big"] == Decimal("1e308")
