"""Fund reminders: what is due, sent once per period, bounded repeats, opt-out respected."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.models import ReminderKind
from accounts.services import reminder_preference_set
from invest.funds.models import FundReminderKind, FundReminderSent
from invest.funds.reminders import fund_reminders_sweep, instalment_reminders_due, repayment_reminders_due
from invest.funds.services import fund_member_join, loan_create, loan_repayment_record
from tests.invest.funds.conftest import pay
from workers.funds import recompute_fund_totals, send_fund_reminders

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=STOCKHOLM), tick=False)


@pytest.fixture
def loan(fund, organiser, rules, project, add_capital):
    with at(date(2026, 1, 5)):
        add_capital(100_000_000, date(2026, 1, 5))
        return loan_create(
            fund=fund,
            by=organiser,
            project=project,
            principal_ore=1_200_000,
            term_months=12,
            disbursed_on=date(2026, 1, 5),
        )


def test_repayment_due_reminder_goes_to_the_owner_a_week_before(loan):
    first = loan.instalments.get(number=1)  # due 5 February 2026
    with at(first.due_on - timedelta(days=8)):
        assert repayment_reminders_due(today=date.today()) == []
    with at(first.due_on - timedelta(days=7)):
        due = repayment_reminders_due(today=first.due_on - timedelta(days=7))
    assert [(d.user, d.kind, d.period) for d in due] == [
        (loan.project.owner, FundReminderKind.REPAYMENT_DUE, first.due_on.isoformat())
    ]


def test_sweep_sends_each_reminder_once_even_when_run_twice(loan):
    first = loan.instalments.get(number=1)
    with at(first.due_on - timedelta(days=3)):
        assert fund_reminders_sweep(today=first.due_on - timedelta(days=3)) == {"due": 1, "sent": 1}
        assert fund_reminders_sweep(today=first.due_on - timedelta(days=3)) == {"due": 1, "sent": 0}
        send_fund_reminders()
    assert len(mail.outbox) == 1
    assert loan.project.owner.email in mail.outbox[0].to
    assert FundReminderSent.objects.get().sent_at is not None


def test_overdue_reminders_repeat_three_times_then_stop(loan):
    first = loan.instalments.get(number=1)
    periods = []
    for late in range(1, 40):
        day = first.due_on + timedelta(days=late)
        with at(day):
            periods += [d.period for d in repayment_reminders_due(today=day) if d.subject.endswith(":1")]
    assert sorted(set(periods)) == [f"{first.due_on.isoformat()}/late-{n}" for n in (1, 2, 3)]


def test_paid_instalment_gets_no_reminder(loan, treasurer):
    first = loan.instalments.get(number=1)
    with at(first.due_on - timedelta(days=5)):
        loan_repayment_record(loan=loan, by=treasurer, amount_ore=first.amount_ore, paid_on=date.today())
        assert repayment_reminders_due(today=date.today()) == []


def test_owner_who_opted_out_gets_no_repayment_reminder(loan):
    reminder_preference_set(user=loan.project.owner, kind=ReminderKind.REPAYMENT_DUE, is_enabled=False)
    first = loan.instalments.get(number=1)
    with at(first.due_on):
        assert fund_reminders_sweep(today=first.due_on)["sent"] == 0
    assert mail.outbox == []


def test_member_is_reminded_of_an_unpaid_instalment_in_their_language(fund, rules, share_pool, saver):
    saver.language = "en"
    saver.save()
    with at(date(2026, 3, 2)):
        membership = fund_member_join(fund=fund, user=saver, pool=share_pool, instalments=2)
        share = membership.shares.get()
        pay(share.pledge, 50_000, date(2026, 3, 2))  # the first instalment
    second = share.instalments.get(number=2)
    with at(second.due_on + timedelta(days=1)):
        due = instalment_reminders_due(today=second.due_on + timedelta(days=1))
        assert [(d.kind, d.subject) for d in due] == [(FundReminderKind.INSTALMENT_OVERDUE, f"share:{share.pk}:2")]
        fund_reminders_sweep(today=second.due_on + timedelta(days=1))
    assert "overdue" in mail.outbox[0].subject
    assert share.pledge.ocr_reference in mail.outbox[0].body


def test_recompute_task_stores_totals(fund, loan):
    recompute_fund_totals(fund.pk)
    fund.refresh_from_db()
    assert fund.totals.outstanding_loans_ore == 1_200_000


def test_instalment_reminder_mail_has_the_scan_codes_for_that_instalment(fund, rules, share_pool, saver):
    import io
    import json
    from email.mime.image import MIMEImage
    from urllib.parse import parse_qs, urlsplit

    import zxingcpp
    from PIL import Image

    fund.swish_number = "1235550000"
    fund.save(update_fields=["swish_number"])
    share_pool.bankgiro = "5050-1055"
    share_pool.save(update_fields=["bankgiro"])
    with at(date(2026, 3, 2)):
        membership = fund_member_join(fund=fund, user=saver, pool=share_pool, instalments=2)
        share = membership.shares.get()
        pay(share.pledge, 50_000, date(2026, 3, 2))
    second = share.instalments.get(number=2)
    with at(second.due_on + timedelta(days=1)):
        fund_reminders_sweep(today=second.due_on + timedelta(days=1))
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert 'src="cid:bank-qr"' in html and 'src="cid:swish-qr"' in html and share.pledge.ocr_reference in html
    images = {part["Content-ID"]: part for part in message.attachments if isinstance(part, MIMEImage)}

    def decoded(cid: str) -> str:
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[cid].get_payload(decode=True))))
        assert len(found) == 1
        return found[0].text

    fields = json.loads(decoded("<bank-qr>"))
    # The second instalment only (500 kr of the 1 000 kr share), to the fund's bankgiro with the share's OCR.
    assert fields["iref"] == share.pledge.ocr_reference and fields["due"] == 500.0 and fields["acc"] == "5050-1055"
    # Overdue: invoiced and due the day the reminder goes out.
    assert fields["idt"] == fields["ddt"] == (second.due_on + timedelta(days=1)).strftime("%Y%m%d")
    swish = parse_qs(urlsplit(decoded("<swish-qr>")).query)
    assert swish["sw"] == ["1235550000"] and swish["amt"] == ["500.00"] and swish["msg"] == [share.pledge.ocr_reference]
    assert "app.swish.nu" in message.body
    message.message()


@pytest.mark.parametrize(("language", "contact_label"), [("sv", "Kontakt"), ("en", "Contact")])
def test_a_fund_reminder_comes_from_the_funds_community(loan, language, contact_label):
    from communities.models import Community
    from communities.services import community_create

    community = loan.fund.community
    Community.objects.filter(pk=community.pk).update(
        name="Ödeby bygdeförening",
        bankgiro="5402-9681",
        contact_name="Eva Kassör",
        contact_email="kassor@odeby.example",
    )
    other = community_create(name="Kvarnbyns byalag", slug="kvarnbyn", contact_email="kontakt@kvarnbyn.example")
    owner = loan.project.owner
    type(owner).objects.filter(pk=owner.pk).update(language=language)
    first = loan.instalments.get(number=1)
    with at(first.due_on - timedelta(days=3)):
        fund_reminders_sweep(today=first.due_on - timedelta(days=3))
        send_fund_reminders()
    [message] = mail.outbox
    assert message.from_email == '"Ödeby bygdeförening" <noreply@lokalkapital.local>'
    assert message.reply_to == ["kassor@odeby.example"]
    assert f"{contact_label}: Eva Kassör, kassor@odeby.example" in message.body
    assert "Bankgiro: 5402-9681" in message.body
    assert other.name not in message.body and other.contact_email not in message.body
