"""The OpenAPI schema: generated from the code without warnings, committed, and honest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "openapi.yaml"
MONEY_NAMES = {
    "amount",
    "target",
    "minimum",
    "cap",
    "min_per_saver",
    "max_per_saver",
    "share_price",
    "pledged",
    "received",
    "outstanding",
    "loan_need",
    "monthly_amount",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    target = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    # Same command as `make schema-check`: fails on any warning.
    call_command("spectacular", "--validate", "--fail-on-warn", "--lang", "en", "--file", str(target))
    return target.read_text()


@pytest.fixture(scope="module")
def schema(generated) -> dict:
    return yaml.safe_load(generated)


def test_committed_openapi_yaml_matches_the_code(generated) -> None:
    assert COMMITTED.read_text() == generated, "openapi.yaml is out of date: run `make schema` and commit it"


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_operation_documents_its_error_responses(schema) -> None:
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        assert codes & {"200", "201", "204"}, (path, method)
        assert "401" in codes and "403" in codes or path == "/api/auth/token/", (path, method, codes)
        if "{" in path:
            assert "404" in codes, (path, method)
        if "requestBody" in operation:
            assert {"400", "415"} <= codes, (path, method)
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith(("/ErrorDetail", "/ValidationError")), (path, method, code)


def test_token_endpoint_documents_lockout_and_refusal(schema) -> None:
    responses = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert {"200", "400", "403", "429"} <= set(responses)


def _properties(schema: dict):
    for name, component in schema["components"]["schemas"].items():
        for prop, spec in (component.get("properties") or {}).items():
            yield name, prop, spec


def test_no_ore_integers_leak_and_money_is_a_decimal_string(schema) -> None:
    for component, prop, spec in _properties(schema):
        assert not prop.endswith("_ore"), f"{component}.{prop}: amounts go out as kronor decimal strings"
        if prop in MONEY_NAMES or prop.endswith("_amount"):
            assert spec.get("type") == "string", f"{component}.{prop} must be a decimal string"
            assert spec.get("format") == "decimal", f"{component}.{prop} must have format decimal"


def test_list_ordering_is_an_explicit_allow_list(schema) -> None:
    for path, _method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "ordering":
                assert parameter["schema"]["items"]["enum"], path


def test_docs_page_loads_only_our_own_files(client) -> None:
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "<script>" not in html and "<style" not in html  # no inline code: the CSP forbids it
    script_url = re.search(r'<script src="([^"]+script[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(script_url)
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert not re.search(r"https?://", script.content.decode())
    for url in urls:
        if url.startswith(settings.STATIC_URL):  # served by whitenoise from our own static files
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url


def test_docs_page_policy_allows_data_images_and_nothing_inline(client) -> None:
    policy = client.get("/api/docs/")["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
