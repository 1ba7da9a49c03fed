"""Every mail about a community's pool, fair or fund is sent as that community: its name as the sender's
display name, its contact address as Reply-To, its name, bankgiro and contact in the body. With two
communities on the platform, each mail carries the right one (in Swedish and in English)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.roles import Role
from communities.models import Community
from communities.selectors import default_community
from communities.services import community_create
from invest.fairs.models import FairNotice
from invest.fairs.services import (
    CardInput,
    Slot,
    fair_card_submit,
    fair_close,
    fair_notice_send,
    fair_programme_set,
    fair_start,
    pitch_apply,
    pitch_choose,
)
from invest.services import project_swish_number_set
from pools.models import PaymentChannel, Pledge, PledgeKind, PoolKind, Reminder
from pools.receipts import receipt_message
from pools.reminders import reminders_plan, reminders_send_due
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import FairFactory, PoolFactory, ProjectFactory, ShareOfferPoolFactory, UserFactory
from tests.outbox import run_outbox
from treasury.statements import statements_issue_year

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
BOTH = pytest.mark.parametrize(
    ("language", "bankgiro_label", "contact_label"), [("sv", "Bankgiro", "Kontakt"), ("en", "Bankgiro", "Contact")]
)


@pytest.fixture
def communities() -> tuple[Community, Community]:
    """The first community (renamed, with its own accounts) and Kvarnbyn, each with a bankgiro and contact."""
    first = default_community()
    Community.objects.filter(pk=first.pk).update(
        name="Ödeby bygdeförening",
        bankgiro="5050-1055",
        contact_name="Eva Kassör",
        contact_email="kassor@odeby.example",
        contact_phone="0611-123 45",
    )
    first.refresh_from_db()
    other = community_create(
        name="Kvarnbyns byalag",
        slug="kvarnbyn",
        bankgiro="5402-9681",
        contact_name="Karl Kvarn",
        contact_email="kontakt@kvarnbyn.example",
        contact_phone="0612-999 99",
    )
    return first, other


def assert_sent_as(message, community: Community, *, bankgiro_label: str, contact_label: str, other: Community):
    assert message.from_email == f'"{community.name}" <noreply@lokalkapital.local>'
    assert message.reply_to == [community.contact_email]
    body = message.body
    assert community.name in body
    assert f"{bankgiro_label}: {community.bankgiro}" in body
    assert f"{contact_label}: {community.contact_name}, {community.contact_email}, {community.contact_phone}" in body
    for foreign in (other.name, other.bankgiro, other.contact_email):
        assert foreign not in body
    html = [content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"]
    for part in html:
        assert community.name in part and community.contact_email in part and other.contact_email not in part


def _at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=STOCKHOLM), tick=False)


@BOTH
@pytest.mark.parametrize("which", [0, 1])
def test_the_pledge_receipt_comes_from_the_pools_community(communities, which, language, bankgiro_label, contact_label):
    community, other = communities[which], communities[1 - which]
    saver = UserFactory(roles=(Role.SAVER,), language=language)
    # No bankgiro of the pool's own: savers pay to the community's.
    pool = ShareOfferPoolFactory(project=ProjectFactory(community=community), bankgiro="")
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=2)
    message = receipt_message(pledge_id=pledge.pk)
    assert_sent_as(message, community, bankgiro_label=bankgiro_label, contact_label=contact_label, other=other)
    pay_line = "Betala till bankgiro" if language == "sv" else "Pay to bankgiro"
    assert f"{pay_line}: {community.bankgiro}" in message.body


@BOTH
@pytest.mark.parametrize("which", [0, 1])
def test_a_payment_reminder_comes_from_the_pools_community(communities, which, language, bankgiro_label, contact_label):
    community, other = communities[which], communities[1 - which]
    saver = UserFactory(roles=(Role.SAVER,), language=language)
    pool = ShareOfferPoolFactory(project=ProjectFactory(community=community), closes_on=date(2026, 12, 31), bankgiro="")
    with _at(date(2026, 3, 2)):
        pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=2)
        Pledge.objects.filter(pk=pledge.pk).update(due_on=date(2026, 3, 2))
    mail.outbox.clear()
    with _at(date(2026, 3, 5)):
        reminders_plan()
        assert Reminder.objects.filter(pool=pool).exists()
        reminders_send_due()
    [message] = mail.outbox
    pay_line = "Betala till bankgiro" if language == "sv" else "Pay to bankgiro"
    assert f"{pay_line} {community.bankgiro}, " in message.body
    assert_sent_as(message, community, bankgiro_label=bankgiro_label, contact_label=contact_label, other=other)


def _fair_in(community: Community, organiser) -> tuple:
    fair = FairFactory(organiser=organiser, community=community)
    pitches = []
    for index in range(2):
        project = ProjectFactory(community=community)
        pitch = pitch_apply(fair=fair, project=project, by=project.owner, title=f"Pitch {index}")
        pitches.append(pitch_choose(pitch=pitch, by=organiser, target_ore=10_000_000))
    fair_programme_set(
        fair=fair,
        by=organiser,
        slots=[
            Slot(pitch_id=p.pk, position=i + 1, starts_at=time(18, 10 * i), minutes=8) for i, p in enumerate(pitches)
        ],
    )
    fair.refresh_from_db()
    fair = fair_start(fair=fair, by=organiser, early_reason="test fair, started before its date")
    for pitch in pitches:
        pitch.refresh_from_db()
    return fair, pitches


@BOTH
@pytest.mark.parametrize("which", [0, 1])
def test_the_fair_follow_up_notice_comes_from_the_fairs_community(
    communities, which, language, bankgiro_label, contact_label
):
    community, other = communities[which], communities[1 - which]
    organiser = UserFactory(roles=(Role.ORGANISER,))
    fair, (pitch, _second) = _fair_in(community, organiser)
    card = CardInput(kind="gift", amount_ore=50_000, name="Anna Berg", email="anna@example.se", is_name_public=True)
    fair_card_submit(pitch=pitch, card_id=uuid.uuid4(), card=card, channel="phone", language=language)
    fair_close(fair=fair, by=organiser)
    notice = FairNotice.objects.get(fair=fair)
    assert notice.language == language
    mail.outbox.clear()
    assert fair_notice_send(notice_id=notice.pk) is True
    [message] = mail.outbox
    assert_sent_as(message, community, bankgiro_label=bankgiro_label, contact_label=contact_label, other=other)


@BOTH
@pytest.mark.parametrize("which", [0, 1])
def test_the_swish_number_notice_comes_from_the_projects_community(
    communities, which, language, bankgiro_label, contact_label
):
    community, other = communities[which], communities[1 - which]
    owner = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER), language=language)
    project = ProjectFactory(owner=owner, community=community)
    project_swish_number_set(project=project, by=owner, swish_number="123 456 78 90")
    mail.outbox.clear()
    run_outbox()
    [message] = [m for m in mail.outbox if "Swish" in m.subject]
    assert_sent_as(message, community, bankgiro_label=bankgiro_label, contact_label=contact_label, other=other)


def _gift_paid_in_2025(saver, pool, treasurer) -> None:
    with _at(date(2025, 3, 1)):
        pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=50_000)
    with _at(date(2025, 3, 5)):
        payment = payment_record(amount_ore=50_000, received_on=date(2025, 3, 5), channel=PaymentChannel.MANUAL)
        payment_allocate(payment=payment, parts=[(pledge, 50_000)], by=treasurer)


def _fair_pool(community: Community, title: str):
    with _at(date(2025, 3, 1)):
        return PoolFactory(
            kind=PoolKind.FAIR,
            title=title,
            project=ProjectFactory(community=community),
            opens_on=date(2025, 1, 1),
            closes_on=date(2025, 12, 31),
        )


@BOTH
@pytest.mark.parametrize("which", [0, 1])
def test_a_statement_of_one_community_comes_from_it(communities, which, language, bankgiro_label, contact_label):
    community, other = communities[which], communities[1 - which]
    saver = UserFactory(roles=(Role.SAVER,), language=language)
    treasurer = UserFactory(roles=(Role.TREASURER,))
    _gift_paid_in_2025(saver, _fair_pool(community, "Byabutiken"), treasurer)
    with _at(date(2026, 1, 10)):
        assert statements_issue_year(year=2025) == {"issued": 1, "mailed": 1}
    [message] = mail.outbox
    assert_sent_as(message, community, bankgiro_label=bankgiro_label, contact_label=contact_label, other=other)
    assert community.name in message.subject


@BOTH
def test_a_statement_over_two_communities_comes_from_the_platform_with_a_section_each(
    communities, language, bankgiro_label, contact_label
):
    first, other = communities
    saver = UserFactory(roles=(Role.SAVER,), language=language)
    treasurer = UserFactory(roles=(Role.TREASURER,))
    _gift_paid_in_2025(saver, _fair_pool(first, "Byabutiken"), treasurer)
    _gift_paid_in_2025(saver, _fair_pool(other, "Kvarnen"), treasurer)
    with _at(date(2026, 1, 10)):
        statements_issue_year(year=2025)
    [message] = mail.outbox
    assert message.from_email == "Lokalkapital <noreply@lokalkapital.local>"
    assert message.reply_to == []
    assert "Lokalkapital" in message.subject
    body = message.body
    # Kvarnbyns byalag before Ödeby bygdeförening: sections by name.
    assert body.index(other.name) < body.index(first.name)
    for community in (first, other):
        section = body[body.index(community.name) :]
        assert section.index(f"{bankgiro_label}: {community.bankgiro}") < section.index(
            f"{contact_label}: {community.contact_name}, {community.contact_email}, {community.contact_phone}"
        )
    assert message.attachments[0][0] == "lokalkapital-2025.pdf"
