"""GET/PATCH /api/me/: the caller's own profile and refund account."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_set_refund_iban

pytestmark = pytest.mark.django_db

VALID = "SE4550000000058398257466"
PASSWORD = "correct horse battery staple"  # UserFactory's
OTHER = "SE7280000810340009783242"


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_read_own_profile(saver):
    user_set_refund_iban(user=saver, iban=VALID)
    body = as_user(saver).get("/api/me/").json()
    assert body == {
        "email": saver.email,
        "pending_email": None,  # null while no new address waits for its link
        "full_name": saver.full_name,
        "language": saver.language,
        "refund_iban": VALID,
    }


@pytest.mark.parametrize("text", [VALID, "se45 5000 0000 0583 9825 7466", " SE45-5000-0000-0583-9825-7466 "])
def test_set_refund_iban_normalised(saver, text):
    response = as_user(saver).patch("/api/me/", {"refund_iban": text, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["refund_iban"] == VALID
    saver.refresh_from_db()
    assert saver.refund_iban == VALID


def test_empty_string_removes_it_and_an_empty_body_changes_nothing(saver):
    user_set_refund_iban(user=saver, iban=VALID)
    client = as_user(saver)
    assert client.patch("/api/me/", {}, format="json").json()["refund_iban"] == VALID
    assert (
        client.patch("/api/me/", {"refund_iban": "", "password": PASSWORD}, format="json").json()["refund_iban"] == ""
    )
    saver.refresh_from_db()
    assert saver.refund_iban == ""


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("SE4550000000058398257467", "check digits"),
        ("GB82WEST12345698765432", "Swedish"),
        ("SE455000000005839825746", "22 digits"),
        ("8327-9 123 456 789-0", "clearing"),
        ("S" * 10_000, "Too long"),
        ("SE45 5000'; DROP TABLE accounts_user; --", "letters"),
        ("<script>alert(1)</script>", "letters"),
        (None, None),
        (["SE4550000000058398257466"], None),
        ({"iban": VALID}, None),
    ],
)
def test_bad_refund_iban_is_400_with_a_field_message_and_nothing_written(saver, value, words):
    user_set_refund_iban(user=saver, iban=OTHER)
    response = as_user(saver).patch(
        "/api/me/", {"refund_iban": value, "password": PASSWORD}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    messages = response.json()["refund_iban"]
    assert messages and isinstance(messages[0], str)
    if words:
        assert words in messages[0]
    assert "<script>" not in response.content.decode()
    saver.refresh_from_db()
    assert saver.refund_iban == OTHER


def test_messages_are_swedish_by_default(saver):
    response = as_user(saver).patch(
        "/api/me/", {"refund_iban": "GB82WEST12345698765432", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "svenskt IBAN" in response.json()["refund_iban"][0]


def test_a_body_that_is_not_an_object_is_400(saver):
    response = as_user(saver).patch("/api/me/", ["SE4550000000058398257466"], format="json")
    assert response.status_code == 400


def test_other_fields_cannot_be_set(saver):
    # The name and language may be changed (see below); the email, staff flags and id may not.
    fields = ("email", "pending_email", "is_staff", "is_superuser")
    before = User.objects.filter(pk=saver.pk).values(*fields).get()
    response = as_user(saver).patch(
        "/api/me/",
        {
            "email": "evil@example.se",
            "pending_email": "evil@example.se",
            "is_staff": True,
            "is_superuser": True,
            "id": 1,
        },
        format="json",
    )
    assert response.status_code == 200
    assert User.objects.filter(pk=saver.pk).values(*fields).get() == before


def test_each_saver_sees_and_changes_only_their_own_account(saver, other_saver):
    user_set_refund_iban(user=saver, iban=VALID)
    other = as_user(other_saver)
    assert other.get("/api/me/").json()["refund_iban"] == ""
    assert VALID not in other.get("/api/me/").content.decode()
    assert other.patch("/api/me/", {"refund_iban": OTHER, "password": PASSWORD}, format="json").status_code == 200
    saver.refresh_from_db()
    other_saver.refresh_from_db()
    assert (saver.refund_iban, other_saver.refund_iban) == (VALID, OTHER)
    # Nothing takes a user id: another saver's profile has no address to ask for.
    assert other.get(f"/api/me/{saver.pk}/").status_code == 404


def test_anonymous_is_refused(saver):
    assert APIClient().get("/api/me/").status_code == 401
    assert APIClient().patch("/api/me/", {"refund_iban": VALID, "password": PASSWORD}, format="json").status_code == 401


def test_session_patch_needs_the_csrf_token(saver):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(saver)
    assert client.patch("/api/me/", {"refund_iban": VALID, "password": PASSWORD}, format="json").status_code == 403
    saver.refresh_from_db()
    assert saver.refund_iban == ""


def test_data_export_over_the_api_includes_the_refund_account(saver):
    user_set_refund_iban(user=saver, iban=VALID)
    assert as_user(saver).get("/api/me/export/").json()["profile"]["refund_iban"] == VALID


def test_treasurer_without_two_factor_is_refused(treasurer):
    client = APIClient()
    client.force_login(treasurer)  # password only, no second factor
    response = client.get("/api/me/")
    assert response.status_code == 403 and response.json()["code"] == "two_factor_required"


def test_patch_changes_name_and_language_without_a_password(saver):
    response = as_user(saver).patch("/api/me/", {"full_name": " Anna Lind ", "language": "en"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["full_name"], response.json()["language"]) == ("Anna Lind", "en")
    saver.refresh_from_db()
    assert (saver.full_name, saver.language) == ("Anna Lind", "en")


def test_patch_refuses_an_unknown_language_with_a_field_message(saver):
    response = as_user(saver).patch("/api/me/", {"language": "de"}, format="json")
    assert response.status_code == 400
    assert "language" in response.json()
    saver.refresh_from_db()
    assert saver.language != "de"


def test_patch_cannot_change_the_email_address(saver):
    before = saver.email
    response = as_user(saver).patch("/api/me/", {"email": "other@example.se"}, format="json")
    assert response.status_code == 200
    saver.refresh_from_db()
    assert saver.email == before and saver.pending_email == ""
