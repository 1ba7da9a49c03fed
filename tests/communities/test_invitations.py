"""Invitations by mailed link: a single-use, revocable, expiring token stored only as a hash; accepting
grants the membership once; the mail speaks the community's language from the community's name; roles
that hold power over money need two-factor set-up before their pages open."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from accounts.twofactor import two_factor_required
from communities.errors import (
    AlreadyMember,
    InvitationExpired,
    InvitationInvalid,
    InvitationNotPending,
    InvitationPending,
    InvitationRevoked,
    InvitationSentRecently,
    InvitationUsed,
    InvitationWrongAccount,
    MembershipNotAllowed,
)
from communities.mail import invitation_message
from communities.models import CommunityInvitation, CommunityMembership, InvitationStatus, MembershipRole
from communities.services import (
    community_create,
    invitation_accept,
    invitation_accept_new_account,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitation_token,
    membership_grant,
    membership_revoke,
)
from operations.mail import MailSkipped
from operations.models import MailDelivery, MailKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def village():
    return community_create(
        name="Åsbyns byalag & co", slug="asbyn", default_language="sv", contact_email="kontakt@asbyn.se"
    )


@pytest.fixture
def network():
    return community_create(name="Bygdenätet Norr", slug="natet", default_language="en")


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, roles=())


def treasurer_of(community):
    user = UserFactory(roles=())
    membership_grant(user=user, community=community, role=MembershipRole.TREASURER)
    return user


def test_invitation_stores_only_a_hash_of_its_token_and_queues_one_mail(village, staff):
    invitation = invitation_create(by=staff, community=village, email=" Ny@Example.SE ", role="treasurer")
    token = invitation_token(invitation)
    assert invitation.email == "ny@example.se"
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {invitation.nonce, invitation.token_hash}
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    delivery = MailDelivery.objects.get(kind=MailKind.COMMUNITY_INVITATION)
    assert delivery.args == {"invitation_id": invitation.pk}  # no token in the delivery record
    assert delivery.community_id == invitation.community_id  # its staff see the failure
    assert token not in str(delivery.args)


def test_the_mail_is_swedish_for_a_swedish_community_from_its_name_with_the_link(village, staff):
    invitation = invitation_create(by=staff, community=village, email="ny@example.se", role="treasurer")
    message = invitation_message(invitation_id=invitation.pk)
    assert message.to == ["ny@example.se"]
    assert message.from_email.startswith('"Åsbyns byalag & co" <')
    assert message.reply_to == ["kontakt@asbyn.se"]
    assert message.subject == "Inbjudan: Kassör i Åsbyns byalag & co"
    assert f"/invitations/{invitation_token(invitation)}/" in message.body
    assert "&amp;" not in message.body  # plain text, not HTML-escaped
    assert "tvåstegsverifiering" in message.body
    assert "giltig till " + timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d") in message.body


def test_the_mail_is_english_for_an_english_community(network, staff):
    invitation = invitation_create(by=staff, community=network, email="new@example.se", role="project_owner")
    message = invitation_message(invitation_id=invitation.pk)
    assert message.subject == "Invitation: Project owner in Bygdenätet Norr"
    assert "has invited you to be Project owner in Bygdenätet Norr" in message.body
    assert "two-factor" not in message.body  # a project owner holds no power over others' money
    assert message.reply_to == []


def test_a_withdrawn_invitation_sends_no_mail(village, staff):
    invitation = invitation_create(by=staff, community=village, email="ny@example.se", role="organiser")
    invitation_revoke(by=staff, invitation=invitation)
    with pytest.raises(MailSkipped):
        invitation_message(invitation_id=invitation.pk)


def test_one_pending_invitation_per_address_community_and_role(village, staff):
    invitation_create(by=staff, community=village, email="ny@example.se", role="organiser")
    with pytest.raises(InvitationPending):
        invitation_create(by=staff, community=village, email="NY@example.se", role="organiser")
    # another role, or the same after expiry, is a new invitation
    invitation_create(by=staff, community=village, email="ny@example.se", role="fund_manager")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        again = invitation_create(by=staff, community=village, email="ny@example.se", role="organiser")
    assert again.status == InvitationStatus.PENDING
    assert CommunityInvitation.objects.filter(email="ny@example.se", role="organiser", status="expired").count() == 1


def test_inviting_a_current_member_is_refused(village, staff):
    member = treasurer_of(village)
    with pytest.raises(AlreadyMember):
        invitation_create(by=staff, community=village, email=member.email.upper(), role="treasurer")


def test_a_bad_address_or_role_is_a_field_error(village, staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as bad_email:
        invitation_create(by=staff, community=village, email="inte en adress", role="organiser")
    assert "email" in bad_email.value.message_dict
    with pytest.raises(ValidationError) as bad_role:
        invitation_create(by=staff, community=village, email="ny@example.se", role="superuser")
    assert "role" in bad_role.value.message_dict


def test_a_treasurer_invites_organisers_but_not_treasurers_and_not_in_another_community(village, network):
    treasurer = treasurer_of(village)
    invitation_create(by=treasurer, community=village, email="arr@example.se", role="organiser")
    with pytest.raises(MembershipNotAllowed):
        invitation_create(by=treasurer, community=village, email="kassor@example.se", role="treasurer")
    with pytest.raises(MembershipNotAllowed):
        invitation_create(by=treasurer, community=network, email="arr@example.se", role="organiser")
    saver = UserFactory(roles=(Role.SAVER,))
    with pytest.raises(MembershipNotAllowed):
        invitation_create(by=saver, community=village, email="arr@example.se", role="project_owner")


def test_accepting_grants_the_role_once_and_twice_is_harmless(village, staff):
    person = UserFactory(email="ny@example.se", roles=(Role.SAVER,))
    invitation = invitation_create(by=staff, community=village, email="ny@example.se", role="organiser")
    token = invitation_token(invitation)
    first = invitation_accept(token=token, user=person)
    second = invitation_accept(token=token, user=person)
    assert first.pk == second.pk
    assert CommunityMembership.objects.filter(user=person, community=village, role="organiser").count() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_by == person
    person.refresh_from_db()
    assert person.has_perm("invest.manage_fairs")  # the role's power came with the membership
    assert person.email_confirmed_at is not None


def test_a_used_invitation_does_not_give_back_a_role_taken_away_since(village, staff):
    person = UserFactory(email="ny@example.se", roles=(Role.SAVER,))
    token = invitation_token(invitation_create(by=staff, community=village, email="ny@example.se", role="organiser"))
    invitation_accept(token=token, user=person)
    membership_revoke(user=person, community=village, role="organiser", by=staff)
    with pytest.raises(InvitationUsed):
        invitation_accept(token=token, user=person)
    assert not CommunityMembership.objects.filter(user=person).exists()


def test_expired_used_revoked_unknown_and_wrong_account_are_refused(village, staff):
    person = UserFactory(email="ny@example.se", roles=(Role.SAVER,))
    other = UserFactory(email="annan@example.se", roles=(Role.SAVER,))
    token = invitation_token(invitation_create(by=staff, community=village, email="ny@example.se", role="organiser"))
    with pytest.raises(InvitationWrongAccount):
        invitation_accept(token=token, user=other)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)), pytest.raises(InvitationExpired):
        invitation_accept(token=token, user=person)
    invitation_accept(token=token, user=person)
    with pytest.raises(InvitationUsed):  # another person with the link (even with the same address later)
        invitation_accept(token=token, user=other)
    revoked = invitation_create(by=staff, community=village, email="ny@example.se", role="fund_manager")
    invitation_revoke(by=staff, invitation=revoked)
    with pytest.raises(InvitationRevoked):
        invitation_accept(token=invitation_token(revoked), user=person)
    for hostile in ("", "x" * 5000, "' OR 1=1 --", "../../etc/passwd"):
        with pytest.raises(InvitationInvalid):
            invitation_accept(token=hostile, user=person)
    assert not CommunityMembership.objects.filter(user=other).exists()


def test_a_new_account_is_made_for_the_invited_address(village, staff):
    token = invitation_token(invitation_create(by=staff, community=village, email="ny@example.se", role="treasurer"))
    user, membership = invitation_accept_new_account(
        token=token, full_name="Nya Kassören", password="ett-långt-lösenord-42", language="en"
    )
    assert user.email == "ny@example.se" and user.language == "en" and user.check_password("ett-långt-lösenord-42")
    assert membership.role == "treasurer" and membership.community == village
    assert two_factor_required(user)


def test_two_factor_follows_the_membership_not_only_the_group(village, staff):
    person = UserFactory(roles=(Role.SAVER,))
    assert not two_factor_required(person)
    CommunityMembership.objects.create(user=person, community=village, role="fund_manager")
    fresh = type(person).objects.get(pk=person.pk)
    assert two_factor_required(fresh)


def test_revoking_the_last_membership_of_a_role_takes_its_power(village, network, staff):
    person = UserFactory(roles=(Role.SAVER,))
    membership_grant(user=person, community=village, role="treasurer", by=staff)
    membership_grant(user=person, community=network, role="treasurer", by=staff)
    membership_revoke(user=person, community=village, role="treasurer", by=staff)
    assert type(person).objects.get(pk=person.pk).has_perm("pools.view_reports")
    membership_revoke(user=person, community=network, role="treasurer", by=staff)
    fresh = type(person).objects.get(pk=person.pk)
    assert not fresh.has_perm("pools.view_reports")
    assert not two_factor_required(fresh)


def test_a_treasurer_may_not_take_away_a_treasurer(village, staff):
    treasurer = treasurer_of(village)
    other = treasurer_of(village)
    with pytest.raises(MembershipNotAllowed):
        membership_revoke(user=other, community=village, role="treasurer", by=treasurer)
    assert CommunityMembership.objects.filter(user=other, role="treasurer").exists()


def test_an_accepted_treasurer_sets_up_two_factor_before_treasury_pages_open(village, staff):
    token = invitation_token(invitation_create(by=staff, community=village, email="ny@example.se", role="treasurer"))
    client = Client()
    response = client.post(
        f"/invitations/{token}/",
        {
            "full_name": "Ny",
            "password1": "ett-långt-lösenord-42",
            "password2": "ett-långt-lösenord-42",
            "language": "sv",
        },
    )
    assert response.status_code == 302
    landing = client.get(response["Location"])
    assert landing.status_code == 302 and "/account/two-factor/setup/" in landing["Location"]
    assert client.get("/treasury/").status_code == 302  # still refused until a device is confirmed


# ---------------------------------------------------------------- sending again


def test_sending_again_mails_the_same_link_and_extends_it_for_a_week(village, staff):
    invitation = invitation_create(by=staff, community=village, email="ny@example.se", role="treasurer")
    first_link = invitation_token(invitation)
    later = timezone.now() + timedelta(days=6)
    with time_machine.travel(later, tick=False):
        again = invitation_resend(by=staff, invitation=invitation)
    assert again.sent_count == 2
    assert again.last_sent_at == later
    assert again.expires_at == later + timedelta(days=7)
    deliveries = MailDelivery.objects.filter(kind=MailKind.COMMUNITY_INVITATION).order_by("pk")
    assert [d.args for d in deliveries] == [{"invitation_id": invitation.pk}] * 2
    assert invitation_token(again) == first_link
    assert f"/invitations/{first_link}/" in invitation_message(invitation_id=invitation.pk).body
    # the link still opens after the first week, within the new one
    person = UserFactory(email="ny@example.se", roles=())
    with time_machine.travel(later + timedelta(days=5)):
        assert invitation_accept(token=first_link, user=person).role == "treasurer"


def test_an_invitation_whose_time_ran_out_can_be_sent_again(village, staff):
    invitation = invitation_create(by=staff, community=village, email="ny@example.se", role="organiser")
    with time_machine.travel(timezone.now() + timedelta(days=9)):
        again = invitation_resend(by=staff, invitation=invitation)
        assert again.status == InvitationStatus.PENDING
        assert again.expires_at > timezone.now() + timedelta(days=6)


def test_sending_again_too_soon_or_too_often_is_refused_and_sends_nothing(village, staff):
    invitation = invitation_create(by=staff, community=village, email="ny@example.se", role="organiser")
    with pytest.raises(InvitationSentRecently):
        invitation_resend(by=staff, invitation=invitation)
    moment = timezone.now()
    for hours in range(1, 5):  # sent four more times, an hour apart: five in all
        with time_machine.travel(moment + timedelta(hours=hours)):
            invitation_resend(by=staff, invitation=invitation)
    with time_machine.travel(moment + timedelta(hours=10)), pytest.raises(InvitationSentRecently) as refused:
        invitation_resend(by=staff, invitation=invitation)
    assert "5" in str(refused.value.message)
    invitation.refresh_from_db()
    assert invitation.sent_count == 5
    assert MailDelivery.objects.filter(kind=MailKind.COMMUNITY_INVITATION).count() == 5


@pytest.mark.parametrize("end", ["revoke", "accept", "expired"])
def test_only_a_pending_invitation_can_be_sent_again(village, staff, end):
    invitation = invitation_create(by=staff, community=village, email="ny@example.se", role="organiser")
    if end == "revoke":
        invitation_revoke(by=staff, invitation=invitation)
    elif end == "accept":
        invitation_accept(token=invitation_token(invitation), user=UserFactory(email="ny@example.se", roles=()))
    else:
        CommunityInvitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.EXPIRED)
    with time_machine.travel(timezone.now() + timedelta(hours=1)), pytest.raises(InvitationNotPending):
        invitation_resend(by=staff, invitation=invitation)
    assert MailDelivery.objects.filter(kind=MailKind.COMMUNITY_INVITATION).count() == 1


def test_only_who_may_grant_the_role_may_send_it_again(village, network, staff):
    invitation = invitation_create(by=staff, community=village, email="ny@example.se", role="treasurer")
    for person in (treasurer_of(network), UserFactory(roles=())):
        with time_machine.travel(timezone.now() + timedelta(hours=1)), pytest.raises(MembershipNotAllowed):
            invitation_resend(by=person, invitation=invitation)
    assert CommunityInvitation.objects.get(pk=invitation.pk).sent_count == 1
