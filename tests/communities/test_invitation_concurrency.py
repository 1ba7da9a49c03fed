"""Accepting one invitation from two tabs at once grants the role once; inviting one address twice at once
leaves one pending invitation (PostgreSQL row locks and the partial unique constraint)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.roles import Role
from communities.errors import InvitationPending
from communities.models import CommunityInvitation, CommunityMembership, InvitationStatus
from communities.services import community_create, invitation_accept, invitation_create, invitation_token
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _together(work, n: int = 4) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            outcomes.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_accepting_at_once_grants_the_role_once():
    village = community_create(name="Åsbyn", slug="asbyn")
    staff = UserFactory(is_staff=True, roles=())
    person = UserFactory(email="ny@example.se", roles=(Role.SAVER,))
    token = invitation_token(invitation_create(by=staff, community=village, email="ny@example.se", role="organiser"))

    outcomes = _together(lambda: str(invitation_accept(token=token, user=person).pk))
    assert len(outcomes) == 4 and len(set(outcomes)) == 1
    assert CommunityMembership.objects.filter(user=person, community=village, role="organiser").count() == 1
    assert CommunityInvitation.objects.get().status == InvitationStatus.ACCEPTED


def test_inviting_at_once_leaves_one_pending_invitation():
    village = community_create(name="Åsbyn", slug="asbyn")
    staff = UserFactory(is_staff=True, roles=())

    def invite() -> str:
        try:
            invitation_create(by=staff, community=village, email="ny@example.se", role="organiser")
        except InvitationPending:
            return "refused"
        return "made"

    assert sorted(_together(invite)) == ["made", "refused", "refused", "refused"]
    assert CommunityInvitation.objects.filter(status=InvitationStatus.PENDING).count() == 1
