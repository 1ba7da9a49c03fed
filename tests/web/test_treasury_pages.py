"""Treasurer pages: only treasurers; upload, queue, match and split, reports with exports, payouts, audit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pools.models import PaymentAllocation, PaymentChannel, PaymentStatus
from pools.services import payment_record
from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.helpers import money_pledge, ocr
from tests.twofactor import login_verified
from treasury.models import AuditEvent, BankFile, PayoutBatch, PayoutStatus
from treasury.services import payment_match_manual, payout_prepare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=10_000, reference=ocr(30001))
    payment = payment_record(
        amount_ore=15_000,
        received_on=date(2026, 3, 1),
        channel=PaymentChannel.MANUAL,
        payer_name="Åsa",
        payer_account="bankgiro 5050-1055",
    )
    [allocation] = payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
    batch = payout_prepare(kind="refund", source_keys=[f"overpayment:{payment.pk}"], by=treasurer)
    bank_file = BankFile.objects.create(
        sha256="0" * 64, format="bgmax", content=b"x", imported_by=treasurer, status="done"
    )
    return {"pledge": pledge, "payment": payment, "allocation": allocation, "batch": batch, "bank_file": bank_file}


def urls(world) -> list[tuple[str, str]]:
    p, b, a, f = world["payment"].pk, world["batch"].pk, world["allocation"].pk, world["bank_file"].pk
    return [
        ("get", "/treasury/"),
        ("get", "/treasury/bank-files/"),
        ("post", "/treasury/bank-files/"),
        ("get", f"/treasury/bank-files/{f}/"),
        ("get", f"/treasury/bank-files/{f}/progress/"),
        ("get", "/treasury/payments/"),
        ("get", f"/treasury/payments/{p}/"),
        ("post", f"/treasury/payments/{p}/match/"),
        ("post", f"/treasury/allocations/{a}/reverse/"),
        ("get", "/treasury/reports/overview/"),
        ("get", "/treasury/reports/pools/?export=csv"),
        ("get", "/treasury/payouts/"),
        ("post", "/treasury/payouts/"),
        ("get", f"/treasury/payouts/{b}/"),
        ("post", f"/treasury/payouts/{b}/approve/"),
        ("post", f"/treasury/payouts/{b}/cancel/"),
        ("post", f"/treasury/payouts/{b}/export/"),
        ("get", "/treasury/audit/"),
        ("get", "/treasury/exceptions/"),
        ("post", "/treasury/exceptions/999999/resolve/"),
        ("get", "/treasury/returned/"),
    ]


@pytest.mark.parametrize("role", ["saver", "owner", "organiser"])
def test_every_treasury_page_refuses_other_roles(client, world, role, request):
    login_verified(client, request.getfixturevalue(role))
    for method, url in urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (role, method, url, response.status_code)
    assert PaymentAllocation.objects.count() == 1
    assert PayoutBatch.objects.get().status == PayoutStatus.PREPARED


def test_every_treasury_page_sends_anonymous_to_login(client, world):
    for method, url in urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], (method, url)


def test_treasurer_sees_every_page(client, world, treasurer):
    login_verified(client, treasurer)
    for method, url in urls(world):
        if method == "get":
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)


def test_upload_a_bgmax_file_and_see_its_lines(client, pool, saver, treasurer):
    money_pledge(pool, saver, amount_ore=150_000, reference=ocr(10001))
    login_verified(client, treasurer)
    content = bgmax([BgPayment(150_000, ocr(10001), name="Åsa Öberg"), BgPayment(500, "", name="Kjell Åström")])
    response = client.post("/treasury/bank-files/", {"file": SimpleUploadedFile("bg.txt", content)})
    bank_file = BankFile.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/treasury/bank-files/{bank_file.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "Åsa Öberg" in page and "Kjell Åström" in page
    again = client.post("/treasury/bank-files/", {"file": SimpleUploadedFile("bg.txt", content)})
    assert again.status_code == 400
    assert BankFile.objects.count() == 1


def test_upload_of_a_file_with_a_wrong_total_shows_the_reason(client, treasurer):
    login_verified(client, treasurer)
    content = bgmax([BgPayment(1_000, "")], deposit_total_ore=999)
    response = client.post("/treasury/bank-files/", {"file": SimpleUploadedFile("bad.txt", content)})
    assert response.status_code == 400
    assert "refused" in response.content.decode().lower()
    assert BankFile.objects.count() == 0


@pytest.mark.parametrize("upload", [None, b"", b"<script>alert(1)</script>", b"'; DROP TABLE pools_payment; --"])
def test_upload_of_nonsense_is_a_form_error(client, treasurer, upload):
    login_verified(client, treasurer)
    data = {} if upload is None else {"file": SimpleUploadedFile("x.txt", upload)}
    response = client.post("/treasury/bank-files/", data)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert BankFile.objects.count() == 0


def test_unmatched_queue_search_and_split_by_hand(client, pool, saver, other_saver, treasurer):
    a = money_pledge(pool, saver, amount_ore=20_000)
    b = money_pledge(pool, other_saver, amount_ore=30_000)
    payment = payment_record(
        amount_ore=50_000, received_on=date(2026, 3, 3), channel=PaymentChannel.MANUAL, payer_name="Märta Ängström"
    )
    login_verified(client, treasurer)
    queue = client.get("/treasury/payments/", {"q": "Ängström", "amount": "500,00"}).content.decode()
    assert f"/treasury/payments/{payment.pk}/" in queue
    assert (
        f"/treasury/payments/{payment.pk}/" not in client.get("/treasury/payments/", {"q": "Nobody"}).content.decode()
    )
    response = client.post(
        f"/treasury/payments/{payment.pk}/match/",
        {"pledge_1": a.pk, "amount_1": "200,00", "pledge_2": b.pk, "amount_2": "300", "note": "delad"},
    )
    assert response.status_code == 302
    rows = PaymentAllocation.objects.filter(payment=payment).order_by("pledge_id")
    assert [(r.pledge_id, r.amount_ore, r.created_by_id) for r in rows] == [
        (a.pk, 20_000, treasurer.pk),
        (b.pk, 30_000, treasurer.pk),
    ]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.MATCHED


@pytest.mark.parametrize(
    "amount", ["1e9999", "NaN", "-1", "12.345", "x" * 10_000, "<b>1</b>", "'; --", "0", "99999999999999"]
)
def test_match_form_refuses_bad_amounts(client, pool, saver, treasurer, amount):
    pledge = money_pledge(pool, saver, amount_ore=20_000)
    payment = payment_record(amount_ore=20_000, received_on=date(2026, 3, 3), channel=PaymentChannel.MANUAL)
    login_verified(client, treasurer)
    response = client.post(f"/treasury/payments/{payment.pk}/match/", {"pledge_1": pledge.pk, "amount_1": amount})
    assert response.status_code == 400
    assert PaymentAllocation.objects.count() == 0


def test_match_more_than_the_payment_is_a_form_error(client, pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=20_000)
    payment = payment_record(amount_ore=100, received_on=date(2026, 3, 3), channel=PaymentChannel.MANUAL)
    login_verified(client, treasurer)
    response = client.post(f"/treasury/payments/{payment.pk}/match/", {"pledge_1": pledge.pk, "amount_1": "200"})
    assert response.status_code == 400
    response = client.post(f"/treasury/payments/{payment.pk}/match/", {"pledge_1": 99999, "amount_1": "1"})
    assert response.status_code == 400
    assert PaymentAllocation.objects.count() == 0


def test_reverse_a_match_from_the_page_keeps_both_rows(client, world, treasurer):
    login_verified(client, treasurer)
    response = client.post(f"/treasury/allocations/{world['allocation'].pk}/reverse/", {"confirmed": "1"})
    assert response.status_code == 302
    assert sorted(PaymentAllocation.objects.values_list("amount_ore", flat=True)) == [-10_000, 10_000]
    client.post(f"/treasury/allocations/{world['allocation'].pk}/reverse/", {"confirmed": "1"})
    assert PaymentAllocation.objects.count() == 2


@pytest.mark.parametrize("kind", ["overview", "pools", "savers", "fairs", "funds", "pledges", "ledger"])
@pytest.mark.parametrize("export", ["", "csv", "xlsx"])
def test_reports_render_and_export(client, world, treasurer, kind, export):
    login_verified(client, treasurer)
    response = client.get(f"/treasury/reports/{kind}/", {"as_of": "2030-01-01", "export": export} if export else {})
    assert response.status_code == 200
    if export == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        assert len(text.splitlines()) >= 1
    elif export == "xlsx":
        assert b"".join(response.streaming_content)[:2] == b"PK"


def test_report_pdf_has_a_chart(client, world, treasurer):
    login_verified(client, treasurer)
    page = client.get("/treasury/reports/overview/", {"as_of": "2030-01-01"}).content.decode()
    assert "<svg" in page
    response = client.get("/treasury/reports/overview/", {"as_of": "2030-01-01", "export": "pdf"})
    assert response.status_code == 200
    assert response.content[:5] == b"%PDF-"


@pytest.mark.parametrize("value", ["1999-01-01", "nonsense", "2026-13-45", "<script>", "'; --", "9" * 1000])
def test_report_refuses_bad_dates(client, treasurer, value):
    login_verified(client, treasurer)
    response = client.get("/treasury/reports/pools/", {"as_of": value})
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()


def test_report_of_unknown_kind_is_404(client, treasurer):
    login_verified(client, treasurer)
    assert client.get("/treasury/reports/secrets/").status_code == 404


def test_four_eyes_on_pages(client, world, treasurer, second_treasurer):
    batch = world["batch"]
    login_verified(client, treasurer)
    assert client.post(f"/treasury/payouts/{batch.pk}/approve/").status_code == 403
    export = client.post(f"/treasury/payouts/{batch.pk}/export/", {"file_format": "csv"})
    assert export.status_code == 302  # refused with a message: not approved
    batch.refresh_from_db()
    assert batch.status == PayoutStatus.PREPARED and batch.exported_at is None
    login_verified(client, second_treasurer)
    assert client.post(f"/treasury/payouts/{batch.pk}/approve/").status_code == 302
    response = client.post(f"/treasury/payouts/{batch.pk}/export/", {"file_format": "pain001"})
    assert response.status_code == 200 and b"pain.001.001.03" in response.content


def test_prepare_a_refund_list_on_the_page(client, pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=100)
    payment = payment_record(
        amount_ore=300, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL, payer_account="bankgiro 5050-1055"
    )
    payment_match_manual(payment=payment, parts=[(pledge, 100)], by=treasurer)
    login_verified(client, treasurer)
    assert f"overpayment:{payment.pk}" in client.get("/treasury/payouts/").content.decode()
    response = client.post("/treasury/payouts/", {"kind": "refund", "source_keys": [f"overpayment:{payment.pk}"]})
    assert response.status_code == 302
    assert PayoutBatch.objects.get().total_ore == 200
    bad = client.post("/treasury/payouts/", {"kind": "refund", "source_keys": ["pledge:1; DROP TABLE x"]})
    assert bad.status_code == 400


def test_audit_trail_page_filters(client, world, treasurer):
    login_verified(client, treasurer)
    payment = world["payment"]
    page = client.get("/treasury/audit/", {"table": "pools_payment", "row_id": payment.pk}).content.decode()
    assert f"pools_payment #{payment.pk}" in page
    assert AuditEvent.objects.filter(table_name="pools_payment", row_id=payment.pk).exists()
    assert client.get("/treasury/audit/", {"row_id": "abc"}).status_code == 400
    assert client.get("/treasury/audit/", {"table": "auth_user"}).status_code == 400


def test_bank_file_progress_partial_polls_until_done(client, treasurer):
    bank_file = BankFile.objects.create(
        sha256="1" * 64,
        format="bgmax",
        content=b"x",
        imported_by=treasurer,
        status="processing",
        processed=300,
        total=900,
    )
    login_verified(client, treasurer)
    # The detail page carries htmx itself (not only django-htmx's helper), or the progress never refreshes.
    detail = client.get(f"/treasury/bank-files/{bank_file.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in detail and re.search(r'<script[^>]+src="[^"]*/htmx(-\d+)?(\.min)?\.js"', detail)
    body = client.get(f"/treasury/bank-files/{bank_file.pk}/progress/").content.decode()
    assert "300" in body and "900" in body and 'hx-trigger="every 2s"' in body
    BankFile.objects.filter(pk=bank_file.pk).update(status="done", processed=900)
    done = client.get(f"/treasury/bank-files/{bank_file.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode() and done["HX-Refresh"] == "true"


def test_candidate_without_an_account_shows_as_missing_and_is_refused(client, pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=100)
    payment = payment_record(amount_ore=300, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment, parts=[(pledge, 100)], by=treasurer)
    login_verified(client, treasurer)
    page = client.get("/treasury/payouts/").content.decode()
    assert "Konto saknas" in page  # "Missing account", the treasurer reads Swedish
    assert f'name="source_keys" value="overpayment:{payment.pk}"' not in page  # nothing to tick
    response = client.post("/treasury/payouts/", {"kind": "refund", "source_keys": [f"overpayment:{payment.pk}"]})
    assert response.status_code == 400
    assert "Inget konto att betala till" in response.content.decode()
    assert not PayoutBatch.objects.exists()


def test_candidate_shows_the_savers_refund_account_and_its_source(client, pool, saver, treasurer):
    from accounts.services import user_set_refund_iban

    user_set_refund_iban(user=saver, iban="SE4550000000058398257466")
    pledge = money_pledge(pool, saver, amount_ore=100)
    payment = payment_record(amount_ore=300, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment, parts=[(pledge, 100)], by=treasurer)
    login_verified(client, treasurer)
    page = client.get("/treasury/payouts/").content.decode()
    assert "SE4550000000058398257466" in page and "Spararens återbetalningskonto" in page
    assert f'name="source_keys" value="overpayment:{payment.pk}"' in page


def test_export_page_shows_the_refusal_for_a_line_without_an_account(client, world, treasurer, second_treasurer):
    from django.utils import timezone

    batch = world["batch"]
    batch.lines.update(payee_account="")  # a list prepared before accounts were required
    PayoutBatch.objects.filter(pk=batch.pk).update(
        status=PayoutStatus.APPROVED, approved_by=second_treasurer, approved_at=timezone.now()
    )
    login_verified(client, treasurer)
    response = client.post(f"/treasury/payouts/{batch.pk}/export/", {"file_format": "pain001"}, follow=True)
    assert response.status_code == 200 and "Inget konto att betala till" in response.content.decode()
    assert "Konto saknas" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == PayoutStatus.APPROVED and batch.exported_at is None


def test_second_export_of_a_payout_list_asks_for_confirmation_on_a_page(client, world, treasurer, second_treasurer):
    batch = world["batch"]
    login_verified(client, second_treasurer)
    assert client.post(f"/treasury/payouts/{batch.pk}/approve/").status_code == 302
    login_verified(client, treasurer)
    first = client.post(f"/treasury/payouts/{batch.pk}/export/", {"file_format": "csv"})
    assert first.status_code == 200 and first["Content-Disposition"].startswith("attachment")
    # Another format, no warning before: now a confirmation page, no file.
    again = client.post(f"/treasury/payouts/{batch.pk}/export/", {"file_format": "pain001"})
    assert again.status_code == 200 and "Content-Disposition" not in again
    page = again.content.decode()
    assert 'name="confirmed" value="1"' in page and 'name="file_format" value="pain001"' in page
    assert "två gånger" in page or "twice" in page
    confirmed = client.post(f"/treasury/payouts/{batch.pk}/export/", {"file_format": "pain001", "confirmed": "1"})
    assert confirmed.status_code == 200 and b"pain.001.001.03" in confirmed.content
    batch.refresh_from_db()
    assert (batch.status, batch.export_format) == (PayoutStatus.EXPORTED, "csv")  # the first export stays recorded
