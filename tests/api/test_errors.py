"""Error bodies: always a JSON object under /api/, with a machine-readable code."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from api.errors import exception_handler
from invest.funds.errors import FundHasNoRules, FundPermissionDenied


def test_unmatched_api_url_answers_json_404(db) -> None:
    response = APIClient().get("/api/pools/null,null/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_unmatched_page_url_answers_the_html_404(client, db) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_missing_object_answers_404_with_code(db) -> None:
    body = APIClient().get("/api/pools/999999/").json()
    assert body["code"] == "not_found" and body["detail"]


def test_bad_token_answers_401_with_code_even_on_public_lists(db) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/pools/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_a_bare_list_validation_error_becomes_an_object() -> None:
    response = exception_handler(ValidationError("Nope."), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Nope."], "code": "invalid"}


def test_bad_filters_and_ordering_answer_400_not_500(db) -> None:
    client = APIClient()
    for query in (
        "project=1e9999",
        "project=99999999999999999999999",
        "project=-1",
        "project=NaN",
        "micro_fund=1.5",
        "kind=<script>",
        "status=' OR 1=1 --",
        "ordering=password",
        "ordering=-owner__password",
    ):
        assert client.get(f"/api/pools/?{query}").status_code == 400, query
    assert client.get("/api/projects/?ordering=owner__email").status_code == 400
    assert client.get("/api/projects/?place=" + "x" * 10_000).status_code == 400


def test_page_beyond_the_end_answers_json_404(db) -> None:
    response = APIClient().get("/api/pools/?page=999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_domain_permission_refusal_answers_the_documented_403_body() -> None:
    response = exception_handler(FundPermissionDenied(field="fund"), {})
    assert response is not None and response.status_code == 403
    assert set(response.data) == {"detail", "code"}
    assert response.data["code"] == "fund_permission_denied" and str(response.data["detail"])


def test_domain_conflict_still_answers_field_errors() -> None:
    response = exception_handler(FundHasNoRules(field="fund"), {})
    assert response is not None and response.status_code == 409
    assert response.data["code"] == "fund_has_no_rules" and response.data["fund"]
