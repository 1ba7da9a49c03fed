"""accounts.services.password_check: Django's AUTH_PASSWORD_VALIDATORS for sign-up forms."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.services import password_check


@pytest.mark.parametrize(
    "password",
    ["short", "password123", "12345678901234", "anna.berg@example.se", "x" * 5000],
)
def test_password_check_refuses_weak_or_huge_passwords(password: str, db) -> None:
    user = User(email="anna.berg@example.se", full_name="Anna Berg")
    assert password_check(password=password, user=user)


def test_password_check_accepts_a_good_password(db) -> None:
    assert password_check(password="Lingon-Stuga-Fjäll-42", user=User(email="a@example.se")) == []


def test_password_check_messages_are_strings(db) -> None:
    messages = password_check(password="123")
    assert messages and all(isinstance(m, str) for m in messages)
