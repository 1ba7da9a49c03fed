"""Password spraying from one address, sign-up enumeration and password-reset mails."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from operations.models import OutboxMessage
from tests.factories import UserFactory
from tests.outbox import run_outbox

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_spraying_many_accounts_from_one_address_is_refused(client, settings) -> None:
    victims = [UserFactory(email=f"offer{i}@example.se") for i in range(40)]
    answers = []
    for victim in victims:
        response = client.post(
            reverse("web:login"), {"username": victim.email, "password": "Sommar2026!"}, REMOTE_ADDR="10.9.9.9"
        )
        answers.append(response.status_code)
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit < 40
    assert all(code == 200 for code in answers[:limit])  # the form again, "wrong email or password"
    assert all(code == 429 for code in answers[limit:])
    # Even the right password is refused from that address now; another address is unaffected.
    right = APIClient().post(
        "/api/auth/token/", {"email": victims[0].email, "password": PASSWORD}, format="json", REMOTE_ADDR="10.9.9.9"
    )
    assert right.status_code == 429
    other = APIClient().post(
        "/api/auth/token/", {"email": victims[0].email, "password": PASSWORD}, format="json", REMOTE_ADDR="10.9.9.10"
    )
    assert other.status_code == 200


def test_password_reset_is_queued_not_sent_in_the_request(client, saver) -> None:
    started = time.perf_counter()
    response = client.post(reverse("web:password-reset"), {"email": saver.email})
    assert response.status_code == 302
    assert time.perf_counter() - started < 2
    assert mail.outbox == []
    assert OutboxMessage.objects.filter(task_name="workers.accounts.send_account_mail").count() == 1
    run_outbox()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [saver.email]


def test_password_reset_answers_the_same_for_unknown_addresses(client, saver) -> None:
    known = client.post(reverse("web:password-reset"), {"email": saver.email})
    unknown = client.post(reverse("web:password-reset"), {"email": "nobody@example.se"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_password_reset_mails_are_rate_limited_per_address(client, saver, settings) -> None:
    for _ in range(settings.PASSWORD_RESET_PER_ADDRESS_LIMIT + 5):
        response = client.post(reverse("web:password-reset"), {"email": saver.email}, REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 302
    assert run_outbox() == settings.PASSWORD_RESET_PER_ADDRESS_LIMIT
    client.post(reverse("web:password-reset"), {"email": saver.email}, REMOTE_ADDR="10.1.1.2")
    assert run_outbox() == 1
