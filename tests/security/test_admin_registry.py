"""Walk every model registered in the Django admin: money is read-only, secrets are never shown.

A model merged later with an editable `*_ore` field, or a key/secret/token column in its change form
or list, fails here (the earlier tests checked the models known at the time by name).
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.test import RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET_NAMES = ("key", "secret", "token", "otp", "totp")
# Settings an organiser chooses, not money records (no money committed, paid or moved): a pool's
# target and per-saver limits, a project's loan need. Changes to them are still audited.
# Identifiers that are not credentials: they open nothing and are shown to help find a record.
NOT_SECRET = {"recipient_key", "dedupe_key", "identity_key", "entry_key", "source_key"}
SETTINGS_NOT_MONEY = {
    "pools.Pool": {"cap_ore", "max_per_saver_ore", "min_per_saver_ore", "minimum_ore", "share_price_ore", "target_ore"},
    "invest.Project": {"loan_need_ore"},
}


def _is_secret(name: str) -> bool:
    parts = name.lower().split("_")
    return any(part in SECRET_NAMES for part in parts) and name not in NOT_SECRET


def _request():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    return request


def _form_fields(model_admin, request) -> list[str]:
    # The fields the admin's forms show (add and change), as its own views compute them.
    return flatten_fieldsets(model_admin.get_fieldsets(request))


def _money_fields(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if f.name.endswith("_ore")}


def test_every_registered_models_money_fields_are_read_only() -> None:
    request = _request()
    editable = []
    for model, model_admin in admin.site._registry.items():
        money = _money_fields(model) - SETTINGS_NOT_MONEY.get(model._meta.label, set())
        if not money:
            continue
        if not model_admin.has_change_permission(request) and not model_admin.has_add_permission(request):
            continue
        shown = set(_form_fields(model_admin, request)) & money
        writable = shown - set(model_admin.get_readonly_fields(request))
        if writable:
            editable.append(f"{model._meta.label}: {sorted(writable)}")
    assert not editable, "money fields editable in the admin: " + "; ".join(editable)


def test_no_registered_model_shows_a_secret_column() -> None:
    request = _request()
    shown = []
    for model, model_admin in admin.site._registry.items():
        names = set(model_admin.get_list_display(request)) | set(_form_fields(model_admin, request))
        names |= set(model_admin.get_search_fields(request) or ())
        secrets = sorted(n for n in names if isinstance(n, str) and _is_secret(n))
        if secrets:
            shown.append(f"{model._meta.label}: {secrets}")
    assert not shown, "secrets shown in the admin: " + "; ".join(shown)


def test_the_walk_sees_the_money_models() -> None:
    labels = {model._meta.label for model in admin.site._registry}
    assert {"pools.Pledge", "pools.Payment", "treasury.PayoutLine"} <= labels


def test_the_pledge_admin_page_does_not_show_a_fair_cards_confirmation_token(client) -> None:
    from tests.invest.fairs.builders import card, live_fair
    from tests.twofactor import login_verified

    organiser = UserFactory(is_staff=True, is_superuser=True)
    _fair, (pitch, _other) = live_fair(organiser)
    pledge = card(pitch).pledge
    pledge.refresh_from_db()
    assert pledge.confirmation_token
    login_verified(client, organiser)
    for path in (f"/admin/pools/pledge/{pledge.pk}/change/", "/admin/pools/pledge/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert pledge.confirmation_token not in response.content.decode(), path
