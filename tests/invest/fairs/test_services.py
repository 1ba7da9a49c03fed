"""Fair services on the real database: lifecycle, programme, cards, closing and reminders."""

from __future__ import annotations

import uuid
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import ReminderKind
from accounts.roles import Role
from accounts.services import reminder_preference_set
from communities.services import community_create
from invest.fairs.errors import (
    CardIdReused,
    CardRefused,
    CardsClosed,
    FairNotAllowed,
    FairWrongStatus,
    PitchProjectElsewhere,
    PitchRefused,
    ProgrammeInvalid,
)
from invest.fairs.models import CardChannel, Fair, FairCard, FairNotice, FairStatus, Pitch, PitchStatus
from invest.fairs.services import (
    CardInput,
    Slot,
    fair_card_submit,
    fair_close,
    fair_create,
    fair_finish,
    fair_notice_send,
    fair_programme_set,
    fair_reminders_sweep,
    fair_start,
    pitch_apply,
    pitch_choose,
    pitch_confirm,
    pitch_decline,
    pledge_follow_up_record,
)
from operations.models import OutboxMessage
from pools.models import Pledge, PledgeSource, PledgeStatus, Pool, PoolKind, PoolStatus
from pools.services import pledge_confirm
from tests.factories import FairFactory, ProjectFactory, UserFactory
from tests.invest.fairs.builders import card, fair_with_programme, live_fair

pytestmark = pytest.mark.django_db


def test_fair_create_needs_the_manage_fairs_permission(organiser, owner):
    fair = fair_create(
        organiser=organiser,
        title="Ödebymässan",
        held_on=timezone.localdate(),
        starts_at=time(18),
        place="X",
        capacity=80,
    )
    assert fair.status == FairStatus.PLANNED
    with pytest.raises(FairNotAllowed):
        fair_create(
            organiser=owner,
            title="Egen mässa",
            held_on=timezone.localdate(),
            starts_at=time(18),
            place="X",
            capacity=80,
        )
    assert Fair.objects.count() == 1


def test_fair_status_outside_the_lifecycle_is_refused_by_the_database(organiser):
    fair = FairFactory(organiser=organiser)
    with pytest.raises(IntegrityError):
        Fair.objects.filter(pk=fair.pk).update(status="party")


def test_only_the_projects_owner_may_apply_and_only_once(organiser, owner, other_saver):
    fair = FairFactory(organiser=organiser)
    project = ProjectFactory(owner=owner)
    with pytest.raises(FairNotAllowed):
        pitch_apply(fair=fair, project=project, by=other_saver)
    pitch = pitch_apply(fair=fair, project=project, by=owner, ask="200 000 kr i lån")
    assert pitch.status == PitchStatus.APPLIED and pitch.title == project.name and len(pitch.code) == 8
    with pytest.raises(PitchRefused):
        pitch_apply(fair=fair, project=project, by=owner)


def test_choosing_a_pitch_gives_it_a_draft_fair_pool_and_respects_the_slots(organiser):
    fair = FairFactory(organiser=organiser, pitch_slots=1)
    first = pitch_apply(fair=fair, project=(p := ProjectFactory()), by=p.owner)
    second = pitch_apply(fair=fair, project=(q := ProjectFactory()), by=q.owner)
    first = pitch_choose(pitch=first, by=organiser, target_ore=5_000_000)
    assert first.pool.kind == PoolKind.FAIR and first.pool.status == PoolStatus.DRAFT
    assert first.pool.project_id == p.pk and first.pool.target_ore == 5_000_000
    with pytest.raises(PitchRefused):
        pitch_choose(pitch=second, by=organiser)
    with pytest.raises(FairNotAllowed):
        pitch_choose(pitch=second, by=q.owner)


def test_a_project_of_another_community_neither_applies_nor_is_chosen_and_nothing_is_written(organiser):
    fair = FairFactory(organiser=organiser)  # the first community
    project = ProjectFactory(community=community_create(name="Kvarnbyns byalag", slug="kvarnbyn"))
    with pytest.raises(PitchProjectElsewhere) as refused:
        pitch_apply(fair=fair, project=project, by=project.owner)
    assert refused.value.field == "project" and not Pitch.objects.exists()
    # An application written before the rule (or around the service) is not chosen either: no pool is made.
    pitch = Pitch.objects.create(
        fair=fair, project=project, applied_by=project.owner, title="Kvarnbyn", code="kvarn234"
    )
    with pytest.raises(PitchProjectElsewhere):
        pitch_choose(pitch=pitch, by=organiser)
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.APPLIED and pitch.pool_id is None and not Pool.objects.exists()


def test_programme_needs_every_chosen_pitch_in_order_without_overlap(organiser):
    fair = FairFactory(organiser=organiser)
    pitches = []
    for _i in range(2):
        project = ProjectFactory()
        pitches.append(pitch_choose(pitch=pitch_apply(fair=fair, project=project, by=project.owner), by=organiser))
    a, b = pitches
    with pytest.raises(ProgrammeInvalid):
        fair_programme_set(fair=fair, by=organiser, slots=[Slot(a.pk, 1, time(18, 0), 8)])
    with pytest.raises(ProgrammeInvalid):  # overlap: b starts before a ends
        fair_programme_set(
            fair=fair, by=organiser, slots=[Slot(a.pk, 1, time(18, 0), 8), Slot(b.pk, 2, time(18, 5), 8)]
        )
    with pytest.raises(ProgrammeInvalid):  # before the doors open
        fair_programme_set(
            fair=fair, by=organiser, slots=[Slot(a.pk, 1, time(17, 0), 8), Slot(b.pk, 2, time(18, 5), 8)]
        )
    fair.refresh_from_db()
    assert fair.status == FairStatus.PLANNED
    fair_programme_set(fair=fair, by=organiser, slots=[Slot(b.pk, 1, time(18, 0), 8), Slot(a.pk, 2, time(18, 10), 12)])
    fair.refresh_from_db()
    assert fair.status == FairStatus.PROGRAMME_SET
    assert list(Pitch.objects.filter(fair=fair).order_by("position").values_list("pk", "minutes")) == [
        (b.pk, 8),
        (a.pk, 12),
    ]
    # Re-ordering later swaps positions without tripping the unique (fair, position) constraint.
    fair_programme_set(fair=fair, by=organiser, slots=[Slot(a.pk, 1, time(18, 0), 8), Slot(b.pk, 2, time(18, 10), 8)])
    assert Pitch.objects.get(pk=a.pk).position == 1


def test_owner_confirms_their_own_slot_only(organiser, owner, other_saver):
    fair, (pitch, _other) = fair_with_programme(organiser, owner=owner)
    with pytest.raises(FairNotAllowed):
        pitch_confirm(pitch=pitch, by=other_saver)
    assert pitch_confirm(pitch=pitch, by=owner).confirmed_at is not None


def test_lifecycle_refuses_skipping_a_stage(organiser):
    fair = FairFactory(organiser=organiser)
    with pytest.raises(FairWrongStatus):
        fair_start(fair=fair, by=organiser)
    with pytest.raises(FairWrongStatus):
        fair_close(fair=fair, by=organiser)
    with pytest.raises(FairWrongStatus):
        fair_finish(fair=fair, by=organiser)


def test_going_live_opens_every_pitch_pool(organiser):
    fair, pitches = live_fair(organiser)
    assert fair.status == FairStatus.LIVE
    assert {p.pool.status for p in pitches} == {PoolStatus.OPEN}


def test_a_card_becomes_one_fair_card_pledge_with_a_token_and_ocr(organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    row = card(pitch, kind="loan", amount_ore=2_000_000, months=36)
    pledge = row.pledge
    assert pledge.source == PledgeSource.FAIR_CARD and pledge.saver is None
    assert pledge.amount_ore == 2_000_000 and pledge.term_months == 36
    assert pledge.confirmation_token and pledge.ocr_reference
    assert pledge.contact_email == "anna@example.se" and pledge.is_name_public


def test_a_monthly_saving_card_records_monthly_times_months(organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    pledge = card(pitch, kind="support_saving", amount_ore=50_000, months=12).pledge
    assert pledge.monthly_ore == 50_000 and pledge.months == 12 and pledge.amount_ore == 600_000


def test_a_time_card_records_hours(organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    pledge = card(pitch, kind="time", amount_ore=None, hours=Decimal("6.5"), description="Måla fasaden").pledge
    assert pledge.quantity == Decimal("6.5") and pledge.unit == "hours" and pledge.amount_ore is None


def test_the_same_card_id_twice_makes_one_pledge(organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    card_id = uuid.uuid4()
    body = CardInput(kind="gift", amount_ore=10_000, name="Bo", email="bo@example.se")
    first, created = fair_card_submit(pitch=pitch, card_id=card_id, card=body, channel=CardChannel.PHONE)
    again, created_again = fair_card_submit(pitch=pitch, card_id=card_id, card=body, channel=CardChannel.PHONE)
    assert created and not created_again and first.pk == again.pk
    assert Pledge.objects.filter(pool=pitch.pool).count() == 1


def test_the_same_card_id_with_another_body_is_refused(organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    card_id = uuid.uuid4()
    fair_card_submit(pitch=pitch, card_id=card_id, card=CardInput(kind="gift", amount_ore=10_000), channel="phone")
    with pytest.raises(CardIdReused):
        fair_card_submit(pitch=pitch, card_id=card_id, card=CardInput(kind="gift", amount_ore=99_000), channel="phone")
    assert Pledge.objects.filter(pool=pitch.pool).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (dict(kind="share", amount_ore=100), "kind"),
        (dict(kind="gift"), "amount"),
        (dict(kind="gift", amount_ore=-100), "amount"),
        (dict(kind="gift", amount_ore=10**20), "amount"),
        (dict(kind="gift", amount_ore=True), "amount"),
        (dict(kind="support_saving", amount_ore=100), "months"),
        (dict(kind="loan", amount_ore=100, months=0), "months"),
        (dict(kind="skill", description="   "), "description"),
        (dict(kind="skill", description="x" * 10_000), "description"),
        (dict(kind="time", description="Hjälp"), "hours"),
        (dict(kind="time", description="Hjälp", hours=Decimal("NaN")), "hours"),
        (dict(kind="time", description="Hjälp", hours=Decimal("1.234")), "hours"),
        (dict(kind="gift", amount_ore=100, email="not-an-email"), "email"),
        (dict(kind="gift", amount_ore=100, name="x" * 10_000), "name"),
        (dict(kind="gift", amount_ore=100, is_name_public=True), "name"),
        (dict(kind="gift", amount_ore=100, may_contact=True), "email"),
    ],
)
def test_a_bad_card_is_refused_with_its_field_and_nothing_written(organiser, fields, field):
    _fair, (pitch, _b) = live_fair(organiser)
    with pytest.raises(CardRefused) as caught:
        fair_card_submit(pitch=pitch, card_id=uuid.uuid4(), card=CardInput(**fields), channel="phone")
    assert caught.value.field == field
    assert Pledge.objects.count() == 0 and FairCard.objects.count() == 0


def test_phone_cards_stop_at_close_but_volunteers_may_still_type_paper_cards(organiser):
    fair, (pitch, _b) = live_fair(organiser)
    fair_close(fair=fair, by=organiser)
    with pytest.raises(CardsClosed):
        card(pitch, channel=CardChannel.PHONE)
    late = card(pitch, channel=CardChannel.PAPER, email="late@example.se")
    assert late.pledge.status == PledgeStatus.PLEDGED
    # A pledger typed in after the close still gets their link.
    assert FairNotice.objects.filter(fair=fair, email="late@example.se", number=0).exists()


def test_cards_are_refused_before_the_fair_is_live(organiser):
    _fair, (pitch, _b) = fair_with_programme(organiser)
    with pytest.raises(CardsClosed):
        card(pitch, channel=CardChannel.PAPER)


def test_closing_queues_one_notice_per_pledger_through_the_outbox(organiser, django_capture_on_commit_callbacks):
    fair, (a, b) = live_fair(organiser)
    card(a, email="Anna@Example.se")
    card(b, email="anna@example.se")
    card(b, email="bo@example.se")
    card(b, email="", name="", is_name_public=False, kind="skill", amount_ore=None, description="Snickeri")
    with django_capture_on_commit_callbacks(execute=False):
        fair_close(fair=fair, by=organiser)
    notices = FairNotice.objects.filter(fair=fair)
    assert sorted(notices.values_list("email", flat=True)) == ["anna@example.se", "bo@example.se"]
    assert set(notices.values_list("number", flat=True)) == {0}
    queued = OutboxMessage.objects.filter(task_name="workers.fairs.send_fair_notice")
    assert sorted(m.args[0] for m in queued) == sorted(notices.values_list("pk", flat=True))


def test_the_notice_mails_every_link_once(organiser):
    fair, (a, b) = live_fair(organiser)
    first = card(a, email="anna@example.se").pledge
    second = card(b, email="anna@example.se", kind="skill", amount_ore=None, description="Bokföring").pledge
    fair_close(fair=fair, by=organiser)
    notice = FairNotice.objects.get(fair=fair)
    mail.outbox.clear()
    assert fair_notice_send(notice_id=notice.pk) is True
    assert fair_notice_send(notice_id=notice.pk) is False
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert f"/pledges/confirm/{first.confirmation_token}/" in body
    assert f"/pledges/confirm/{second.confirmation_token}/" in body
    assert mail.outbox[0].to == ["anna@example.se"]


def test_reminders_follow_the_interval_and_stop_at_the_maximum(organiser, settings):
    settings.FAIRS_REMINDER_INTERVAL_DAYS = 7
    settings.FAIRS_MAX_REMINDERS = 2
    fair, (a, _b) = live_fair(organiser)
    card(a, email="anna@example.se")
    card(a, email="bo@example.se")
    fair_close(fair=fair, by=organiser)
    now = timezone.now()
    assert fair_reminders_sweep(now=now) == 0  # too early
    assert fair_reminders_sweep(now=now + timedelta(days=8)) == 2
    assert fair_reminders_sweep(now=now + timedelta(days=8)) == 0  # a duplicate tick does nothing
    # Bo confirms: only Anna is reminded again.
    pledge_confirm(token=Pledge.objects.get(contact_email="bo@example.se").confirmation_token, by=None)
    FairNotice.objects.update(created_at=now)
    assert fair_reminders_sweep(now=now + timedelta(days=8)) == 1
    FairNotice.objects.update(created_at=now)
    assert fair_reminders_sweep(now=now + timedelta(days=30)) == 0  # two reminders sent: stop
    assert FairNotice.objects.filter(email="anna@example.se").count() == 3
    assert FairNotice.objects.filter(email="bo@example.se").count() == 2


def test_no_reminders_after_the_fair_is_closed(organiser):
    fair, (a, _b) = live_fair(organiser)
    card(a)
    fair_close(fair=fair, by=organiser)
    fair_finish(fair=fair, by=organiser)
    assert fair_reminders_sweep(now=timezone.now() + timedelta(days=30)) == 0


def test_a_reminder_is_not_sent_to_a_saver_who_opted_out(organiser):
    saver = UserFactory(roles=(Role.SAVER,))
    fair, (a, _b) = live_fair(organiser)
    fair_card_submit(
        pitch=a, card_id=uuid.uuid4(), card=CardInput(kind="gift", amount_ore=100), channel="phone", saver=saver
    )
    fair_close(fair=fair, by=organiser)
    reminder_preference_set(user=saver, kind=ReminderKind.FAIR_PLEDGE_UNCONFIRMED, is_enabled=False)
    assert fair_reminders_sweep(now=timezone.now() + timedelta(days=8)) == 1
    mail.outbox.clear()
    reminder = FairNotice.objects.get(number=1)
    assert fair_notice_send(notice_id=reminder.pk) is False
    reminder.refresh_from_db()
    assert reminder.skipped_reason == "opted out" and mail.outbox == []


def test_follow_up_outcomes_only_by_the_projects_owner(organiser, owner, other_saver):
    fair, (pitch, _b) = live_fair(organiser, owner=owner)
    pledge = card(pitch).pledge
    with pytest.raises(FairNotAllowed):
        pledge_follow_up_record(pledge=pledge, by=other_saver, outcome="contacted")
    note = pledge_follow_up_record(pledge=pledge, by=owner, outcome="will_pay", note="Betalar i maj")
    assert note.outcome == "will_pay" and note.author == owner


def test_declining_keeps_a_declined_pitch_out_of_the_programme(organiser):
    fair = FairFactory(organiser=organiser)
    project = ProjectFactory()
    pitch = pitch_apply(fair=fair, project=project, by=project.owner)
    pitch = pitch_decline(pitch=pitch, by=organiser)
    assert pitch.status == PitchStatus.DECLINED
    with pytest.raises(ProgrammeInvalid):
        fair_programme_set(fair=fair, by=organiser, slots=[Slot(pitch.pk, 1, time(18), 8)])


def test_owner_withdraws_their_slot_before_the_evening_only(organiser, owner, other_saver):
    from invest.fairs.services import pitch_withdraw

    fair, (pitch, _b) = fair_with_programme(organiser, owner=owner)
    with pytest.raises(FairNotAllowed):
        pitch_withdraw(pitch=pitch, by=other_saver)
    pitch = pitch_withdraw(pitch=pitch, by=owner)
    assert pitch.status == PitchStatus.WITHDRAWN and pitch.position is None
    live, (started, _c) = live_fair(organiser, owner=UserFactory(roles=(Role.PROJECT_OWNER,)))
    with pytest.raises(FairWrongStatus):
        pitch_withdraw(pitch=started, by=started.project.owner)
