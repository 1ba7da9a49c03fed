"""Failed mails belong to a community: its treasurers and organisers see and retry them, another community's
staff do not, and mails without a community (account mails, statements) are for platform staff only."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from accounts.roles import Role
from communities.models import CommunityMembership
from communities.selectors import default_community_id, mail_community_ids
from communities.services import community_create, membership_grant
from operations.mail import MailNotFound, mail_delivery_retry
from operations.models import MailDelivery, MailKind, MailStatus
from operations.selectors import mail_failed_list
from tests.factories import MEMBERSHIP_ROLES, FairFactory, PoolFactory, ProjectFactory, UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def other():
    return community_create(name="Kvarnbyns byalag", slug="kvarnbyn", bankgiro="5402-8741")


def _staff_of(community, role: Role):
    user = UserFactory(roles=(role,))
    CommunityMembership.objects.filter(user=user).delete()
    for membership_role in MEMBERSHIP_ROLES[role]:
        membership_grant(user=user, community=community, role=membership_role)
    return user


def _failed(kind: str, key: str, community_id: int | None, **fields) -> MailDelivery:
    return MailDelivery.objects.create(
        key=key, kind=kind, status=MailStatus.FAILED, next_attempt_at=timezone.now(), community_id=community_id,
        **fields,
    )  # fmt: skip


def _listed(user) -> list[int]:
    return list(mail_failed_list(user=user, community_ids=mail_community_ids(user)).values_list("pk", flat=True))


def test_each_community_sees_only_its_failed_mails_and_platform_mails_only_staff(treasurer, other):
    ours = _failed(MailKind.RECEIPT, "receipt:a", default_community_id())
    theirs = _failed(MailKind.RECEIPT, "receipt:b", other.pk)
    platform = _failed(MailKind.ACCOUNT, "account:x", None)
    assert _listed(treasurer) == [ours.pk]
    assert _listed(_staff_of(other, Role.TREASURER)) == [theirs.pk]
    staff = UserFactory(roles=(Role.TREASURER,), is_staff=True)
    assert set(_listed(staff)) == {ours.pk, theirs.pk, platform.pk}


def test_another_communitys_organiser_cannot_retry_a_fair_mail(client, organiser, other):
    fair_mail = _failed(MailKind.FAIR_NOTICE, "fair_notice:a", default_community_id(), to="massa@example.se")
    outsider = _staff_of(other, Role.ORGANISER)
    login_verified(client, outsider)
    assert "massa@example.se" not in client.get("/ops/mail/failed/").content.decode()
    assert client.post(f"/ops/mail/failed/{fair_mail.pk}/retry/").status_code == 404
    fair_mail.refresh_from_db()
    assert fair_mail.status == MailStatus.FAILED
    with pytest.raises(MailNotFound):
        mail_delivery_retry(delivery=fair_mail, by=outsider, community_ids=mail_community_ids(outsider))
    client.logout()
    login_verified(client, organiser)
    assert client.post(f"/ops/mail/failed/{fair_mail.pk}/retry/").status_code == 302
    fair_mail.refresh_from_db()
    assert fair_mail.status == MailStatus.PENDING


def test_api_refuses_another_communitys_and_platform_mails_with_404(api_client, treasurer, other):
    theirs = _failed(MailKind.RECEIPT, "receipt:b", other.pk)
    platform = _failed(MailKind.STATEMENT, "statement:1", None)
    api_client.force_authenticate(treasurer)
    assert api_client.get("/api/mail/failed/").json()["results"] == []
    assert api_client.post(f"/api/mail/failed/{theirs.pk}/retry/").status_code == 404
    assert api_client.post(f"/api/mail/failed/{platform.pk}/retry/").status_code == 404
    assert set(MailDelivery.objects.values_list("status", flat=True)) == {MailStatus.FAILED}


def test_a_receipt_records_the_pools_community(saver, other):
    from pools.models import PledgeKind
    from pools.receipts import pledge_receipt_send
    from pools.services import pledge_create

    pool = PoolFactory(community=other, project=ProjectFactory(community=other))
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=20_000, months=3)
    pledge_receipt_send(pledge_id=pledge.pk)
    assert MailDelivery.objects.get(key=f"receipt:{pledge.pk}").community_id == other.pk


def test_the_data_migration_fills_the_community_from_the_args(saver, other):
    from invest.fairs.models import FairNotice
    from pools.models import PledgeKind
    from pools.services import pledge_create

    pledge = pledge_create(
        pool=PoolFactory(community=other, project=ProjectFactory(community=other)),
        saver=saver,
        kind=PledgeKind.SUPPORT_SAVING,
        monthly_ore=20_000,
        months=3,
    )
    fair = FairFactory()
    notice = FairNotice.objects.create(fair=fair, email="k@example.se", number=0)
    receipt = _failed(MailKind.RECEIPT, "receipt:m", None, args={"pledge_id": pledge.pk})
    fair_mail = _failed(MailKind.FAIR_NOTICE, "fair_notice:m", None, args={"notice_id": notice.pk})
    gone = _failed(MailKind.RECEIPT, "receipt:gone", None, args={"pledge_id": 999_999})
    account = _failed(MailKind.ACCOUNT, "account:m", None, args={"kind": "password_reset", "user_id": saver.pk})
    migration = import_module("operations.migrations.0008_fill_mail_delivery_community")
    migration.fill(django_apps, None)
    found = dict(MailDelivery.objects.values_list("pk", "community_id"))
    assert found == {receipt.pk: other.pk, fair_mail.pk: fair.community_id, gone.pk: None, account.pk: None}
