"""Every API error carries a code and a translated detail, and never names a model."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/api/pools/999999/", "/api/projects/999999/", "/api/pledges/999999/", "/api/funds/999999/", "/api/fairs/999999/"],
)
def test_missing_objects_answer_a_coded_404_without_model_names(path: str) -> None:
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.get(path)
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert "matches the given query" not in body["detail"]
    assert "Pool" not in body["detail"] and "Project" not in body["detail"]


def test_not_found_is_translated_to_swedish_and_english() -> None:
    api = APIClient()
    sv = api.get("/api/pools/999999/", HTTP_ACCEPT_LANGUAGE="sv").json()["detail"]
    en = api.get("/api/pools/999999/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert en == "Not found."
    assert sv != en


def test_field_errors_carry_a_code(pool) -> None:
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.post(f"/api/pools/{pool.pk}/pledges/", {"kind": "support_saving", "months": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"]
