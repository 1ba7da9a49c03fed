"""Communities: the model's database rules, the creation service, the transitional default community, and
the accounts and mail identity each community now owns (moved there from the settings)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import defusedxml.ElementTree as SafeET
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from communities.errors import CommunitySlugTaken
from communities.models import Community
from communities.selectors import default_community, default_community_id
from communities.services import community_create
from invest.services import micro_fund_create, project_create
from pools.models import Pledge, PledgeKind, PledgeStatus, PoolKind, Reminder
from pools.paycodes import pledge_pay_codes
from pools.reminders import reminders_plan, reminders_send_due
from pools.selectors import pledge_due
from pools.services import payment_record, pledge_create, pledge_withdraw
from tests.factories import MicroFundFactory, PoolFactory, ProjectFactory, ShareOfferPoolFactory
from treasury.errors import PayoutError
from treasury.models import PayoutKind
from treasury.services import payment_match_manual, payout_approve, payout_export, payout_prepare

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
PAIN = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def kvarnbyn(**fields: object) -> Community:
    values: dict[str, object] = {
        "organisation_number": "802400-1235",
        "bankgiro": "5402-9681",
        "payout_bankgiro": "5402-8741",
        "payout_bic": "ESSESESS",
        "swish_number": "123 456 78 90",
        "contact_email": "kassor@kvarnbyn.example",
        "colour": "#aa3300",
    }
    values.update(fields)
    return community_create(name="Kvarnbyns byalag", slug="kvarnbyn", **values)


def refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


# ------------------------------------------------------------------ the model and its service


def test_database_refuses_a_bad_colour_orgnr_bic_or_kind_and_a_second_slug():
    Community.objects.create(name="A", slug="a")
    refused(lambda: Community.objects.create(name="B", slug="a"))
    refused(lambda: Community.objects.create(name="C", slug="c", colour="red"))
    refused(lambda: Community.objects.create(name="D", slug="d", colour="#12345"))
    refused(lambda: Community.objects.create(name="E", slug="e", organisation_number="5560360793"))
    refused(lambda: Community.objects.create(name="F", slug="f", payout_bic="not a bic"))
    refused(lambda: Community.objects.create(name="G", slug="g", kind="empire"))
    refused(lambda: Community.objects.create(name="H", slug=""))


def test_create_validates_and_normalises_the_numbers():
    community = kvarnbyn(organisation_number="8024001235")
    assert community.organisation_number == "802400-1235"
    assert community.swish_number == "1234567890"
    with pytest.raises(ValidationError) as caught:
        community_create(name="X", slug="x", organisation_number="802400-1234")  # wrong check digit
    assert "organisation_number" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        community_create(name="X", slug="x", bankgiro="5402-9682", colour="#zzzzzz")
    assert {"bankgiro", "colour"} <= set(caught.value.message_dict)
    with pytest.raises(CommunitySlugTaken):
        community_create(name="Again", slug="KVARNBYN")


def test_the_default_community_comes_back_from_the_settings_when_the_table_is_empty(settings):
    settings.TREASURY_DEBTOR_NAME = "Åsbyns byalag ek. för."
    settings.TREASURY_DEBTOR_BANKGIRO = "5050-1055"
    settings.TREASURY_DEBTOR_BIC = "swedsess"
    settings.ASSOCIATION_SWISH_NUMBER = "123 999 00 11"
    Community.objects.all().delete()
    first = default_community()
    assert (first.name, first.slug, first.payout_bankgiro, first.payout_bic, first.swish_number) == (
        "Åsbyns byalag ek. för.",
        "asbyns-byalag-ek-for",
        "5050-1055",
        "SWEDSESS",
        "1239990011",
    )
    assert default_community_id() == first.pk
    assert Community.objects.count() == 1


def test_owned_rows_take_the_named_community_or_the_default():
    other = kvarnbyn()
    project = project_create(owner=ProjectFactory().owner, name="Bystuga", place="Kvarnbyn", community=other)
    fund = micro_fund_create(organiser=MicroFundFactory().organiser, name="Kvarnfonden", community=other)
    assert project.community == other and fund.community == other
    plain = project_create(owner=project.owner, name="Bagarstuga", place="Åsbyn")
    assert plain.community == default_community()


def test_every_pool_belongs_to_its_project_or_funds_community():
    other = kvarnbyn()
    pools = [
        PoolFactory(project=ProjectFactory(community=other)),
        PoolFactory(project=None, micro_fund=MicroFundFactory(community=other), kind=PoolKind.FUND_CAPITAL),
        PoolFactory(),
    ]
    for pool in pools:
        beneficiary = pool.project or pool.micro_fund
        assert pool.community_id == beneficiary.community_id


# ------------------------------------------------------------------ accounts and mail identity


def _approved_refund(pool, saver, treasurer, second_treasurer, *, community: Community):
    from accounts.services import user_set_refund_iban
    from tests.treasury.helpers import money_pledge

    pledge = money_pledge(pool, saver, amount_ore=20_000)
    payment = payment_record(amount_ore=20_000, received_on=date(2026, 3, 1), channel="manual")
    payment_match_manual(payment=payment, parts=[(pledge, 20_000)], by=treasurer)
    Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.CONFIRMED)
    pledge_withdraw(pledge=pledge, by=saver)
    user_set_refund_iban(user=saver, iban="SE4550000000058398257466")
    batch = payout_prepare(
        kind=PayoutKind.REFUND, source_keys=[f"pledge:{pledge.pk}"], by=treasurer, community=community
    )
    payout_approve(batch=batch, by=second_treasurer, confirm_recent_accounts=True)
    return batch


def test_the_payment_order_is_paid_from_the_communitys_payout_account(saver, treasurer, second_treasurer, settings):
    settings.TREASURY_DEBTOR_BANKGIRO = "5050-1055"  # no longer read
    other = kvarnbyn()
    pool = PoolFactory(project=ProjectFactory(community=other))
    batch = _approved_refund(pool, saver, treasurer, second_treasurer, community=other)
    assert batch.community == other
    content, _type, _name = payout_export(batch=batch, by=second_treasurer, file_format="pain001")
    root = SafeET.fromstring(content)
    assert root.find(".//p:PmtInf/p:DbtrAcct/p:Id/p:Othr/p:Id", PAIN).text == "54028741"
    assert root.find(".//p:PmtInf/p:DbtrAgt/p:FinInstnId/p:BIC", PAIN).text == "ESSESESS"
    assert root.find(".//p:PmtInf/p:Dbtr/p:Nm", PAIN).text == "Kvarnbyns byalag"
    assert root.find(".//p:GrpHdr/p:InitgPty/p:Nm", PAIN).text == "Kvarnbyns byalag"


def test_a_community_without_a_payout_account_gets_no_pain001(saver, treasurer, second_treasurer):
    other = kvarnbyn(payout_bankgiro="", payout_bic="")
    pool = PoolFactory(project=ProjectFactory(community=other))
    batch = _approved_refund(pool, saver, treasurer, second_treasurer, community=other)
    with pytest.raises(PayoutError) as caught:
        payout_export(batch=batch, by=second_treasurer, file_format="pain001")
    assert caught.value.field == "format" and "Kvarnbyns byalag" in str(caught.value.message)
    content, _type, _name = payout_export(batch=batch, by=second_treasurer, file_format="csv")  # still possible
    assert content


def test_reminder_mail_carries_the_communitys_name_and_reply_to(saver):
    other = kvarnbyn()
    pool = ShareOfferPoolFactory(project=ProjectFactory(community=other), closes_on=date(2026, 12, 31))
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=STOCKHOLM), tick=False):
        pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=2)
        Pledge.objects.filter(pk=pledge.pk).update(due_on=date(2026, 3, 2))
    with time_machine.travel(datetime(2026, 3, 5, 10, tzinfo=STOCKHOLM), tick=False):
        reminders_plan()
        assert Reminder.objects.filter(pool=pool).exists()
        reminders_send_due()
    [message] = mail.outbox
    assert message.from_email.startswith('"Kvarnbyns byalag" <')
    assert message.reply_to == ["kassor@kvarnbyn.example"]


def test_pay_by_scan_falls_back_to_the_communitys_swish_number(saver, settings):
    settings.ASSOCIATION_SWISH_NUMBER = "1230000000"  # no longer read
    other = kvarnbyn()
    pool = ShareOfferPoolFactory(project=ProjectFactory(community=other, swish_number=""))
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=2)
    pledge = Pledge.objects.select_related("pool__project", "pool__micro_fund", "pool__community").get(pk=pledge.pk)
    today = date.today()
    codes = pledge_pay_codes(pledge=pledge, due=pledge_due(pledge=pledge, received_ore=0, today=today), today=today)
    assert codes is not None and codes.swish_number == "1234567890"
