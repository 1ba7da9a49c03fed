"""Treasury API: permissions on every endpoint, upload, matching, reports, four eyes, audit, hostile input."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from pools.models import PaymentAllocation, PaymentChannel
from pools.services import payment_record
from tests.treasury.builders import BgPayment, CamtTx, bgmax, camt053
from tests.treasury.helpers import money_pledge, ocr
from tests.twofactor import login_verified
from treasury.models import BankFile, PayoutBatch, PayoutStatus
from treasury.services import payment_match_manual, payout_prepare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=10_000, reference=ocr(40001))
    payment = payment_record(
        amount_ore=15_000,
        received_on=date(2026, 3, 1),
        channel=PaymentChannel.MANUAL,
        payer_account="bankgiro 5050-1055",
    )
    [allocation] = payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
    batch = payout_prepare(kind="refund", source_keys=[f"overpayment:{payment.pk}"], by=treasurer)
    bank_file = BankFile.objects.create(sha256="2" * 64, format="bgmax", content=b"x", imported_by=treasurer)
    return {"pledge": pledge, "payment": payment, "allocation": allocation, "batch": batch, "bank_file": bank_file}


def endpoints(world) -> list[tuple[str, str]]:
    p, b, a, f = world["payment"].pk, world["batch"].pk, world["allocation"].pk, world["bank_file"].pk
    return [
        ("get", "/api/treasury/bank-files/"),
        ("post", "/api/treasury/bank-files/"),
        ("get", f"/api/treasury/bank-files/{f}/"),
        ("get", "/api/treasury/payments/"),
        ("get", f"/api/treasury/payments/{p}/"),
        ("post", f"/api/treasury/payments/{p}/match/"),
        ("post", f"/api/treasury/allocations/{a}/reverse/"),
        ("get", "/api/treasury/pledges/?q=a"),
        ("get", "/api/treasury/reports/pools/"),
        ("get", "/api/treasury/reports/pools/?export=csv"),
        ("get", "/api/treasury/payout-candidates/"),
        ("get", "/api/treasury/payouts/"),
        ("post", "/api/treasury/payouts/"),
        ("get", f"/api/treasury/payouts/{b}/"),
        ("post", f"/api/treasury/payouts/{b}/approve/"),
        ("post", f"/api/treasury/payouts/{b}/cancel/"),
        ("post", f"/api/treasury/payouts/{b}/export/"),
        ("get", "/api/treasury/audit/"),
    ]


@pytest.mark.parametrize("role", ["saver", "owner", "organiser"])
def test_every_endpoint_refuses_other_roles(world, role, request):
    client = as_user(request.getfixturevalue(role))
    for method, url in endpoints(world):
        response = getattr(client, method)(url, format="json") if method == "post" else client.get(url)
        assert response.status_code == 403, (role, url, response.status_code)
    assert PaymentAllocation.objects.count() == 1
    assert PayoutBatch.objects.get().status == PayoutStatus.PREPARED


def test_every_endpoint_refuses_anonymous(world):
    client = APIClient()
    for method, url in endpoints(world):
        response = getattr(client, method)(url)
        assert response.status_code == 401, (url, response.status_code)


def test_session_post_needs_csrf(world, treasurer):
    client = APIClient(enforce_csrf_checks=True)
    login_verified(client, treasurer)
    response = client.post(f"/api/treasury/allocations/{world['allocation'].pk}/reverse/", {}, format="json")
    assert response.status_code == 403
    assert PaymentAllocation.objects.count() == 1


def test_upload_camt_file_through_the_api(pool, saver, treasurer):
    money_pledge(pool, saver, amount_ore=150_000, reference=ocr(10001))
    content = camt053([[CamtTx("1500.00", "Åsa Öberg", [ocr(10001)])], [CamtTx("12.00", "Örjan", message="gåva")]])
    response = as_user(treasurer).post(
        "/api/treasury/bank-files/", {"file": SimpleUploadedFile("s.xml", content)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["format"] == "camt053"
    assert (body["matched_count"], body["unmatched_count"]) == (1, 1)
    assert body["net_total"] == "1512.00"
    assert "content" not in body
    detail = as_user(treasurer).get(f"/api/treasury/bank-files/{body['id']}/").json()
    assert [line["outcome"] for line in detail["lines"]] == ["exact", "unmatched"]
    assert detail["lines"][1]["payer_name"] == "Örjan"


def test_upload_with_wrong_total_is_400_and_writes_nothing(treasurer):
    content = bgmax([BgPayment(100, "")], deposit_total_ore=101)
    response = as_user(treasurer).post(
        "/api/treasury/bank-files/", {"file": SimpleUploadedFile("b.txt", content)}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bank_file_refused"
    assert "file" in response.json()
    assert BankFile.objects.count() == 0


def test_upload_same_file_twice_is_409(treasurer):
    content = bgmax([BgPayment(100, "")])
    client = as_user(treasurer)
    assert client.post("/api/treasury/bank-files/", {"file": SimpleUploadedFile("b", content)}).status_code == 201
    again = client.post("/api/treasury/bank-files/", {"file": SimpleUploadedFile("b2", content)})
    assert again.status_code == 409 and again.json()["code"] == "bank_file_duplicate"


def test_large_upload_is_accepted_for_the_worker(treasurer, settings):
    settings.TREASURY_WORKER_THRESHOLD = 1
    content = bgmax([BgPayment(100, ""), BgPayment(200, "")])
    response = as_user(treasurer).post("/api/treasury/bank-files/", {"file": SimpleUploadedFile("b", content)})
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["processed"], response.json()["total"]) == ("queued", 0, 2)


def test_a_large_upload_goes_to_disk_and_the_worker_reads_it_from_storage(
    pool, saver, treasurer, settings, monkeypatch
):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE Django writes the upload to a temporary file; the view hands
    that file on (never its bytes), it is copied to storage in chunks, and the worker reads it there."""
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    from treasury.services import bankfile_process

    settings.TREASURY_WORKER_THRESHOLD = 10
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    pledge = money_pledge(pool, saver, amount_ore=10**9, reference=ocr(61001))
    content = bgmax([BgPayment(100 + n, ocr(61001) if n % 2 else "") for n in range(300)])
    assert len(content) > 20 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    handed_on = []
    original = TemporaryFileUploadHandler.file_complete

    def file_complete(self, file_size):  # records what the view gets; the upload itself is unchanged
        upload = original(self, file_size)
        handed_on.append(upload)
        return upload

    monkeypatch.setattr(TemporaryFileUploadHandler, "file_complete", file_complete)
    response = as_user(treasurer).post("/api/treasury/bank-files/", {"file": SimpleUploadedFile("big", content)})
    assert response.status_code == 202
    assert [type(upload) for upload in handed_on] == [TemporaryUploadedFile]
    row = BankFile.objects.get(pk=response.json()["id"])
    assert bytes(row.content) == b""  # the database row does not carry the file
    with row.stored_file.open("rb") as stored:
        assert stored.read() == content
    done = bankfile_process(bank_file_id=row.pk)
    assert (done.processed, done.matched_count) == (300, 150)
    assert PaymentAllocation.objects.filter(pledge=pledge).count() == 150


def test_unmatched_queue_search_and_split(pool, saver, other_saver, treasurer):
    a = money_pledge(pool, saver, amount_ore=20_000)
    b = money_pledge(pool, other_saver, amount_ore=30_000)
    payment = payment_record(
        amount_ore=50_000, received_on=date(2026, 3, 3), channel=PaymentChannel.MANUAL, payer_name="Gösta Ek"
    )
    client = as_user(treasurer)
    queue = client.get("/api/treasury/payments/", {"q": "gösta", "amount": "500.00"}).json()
    assert [p["id"] for p in queue["results"]] == [payment.pk]
    assert client.get("/api/treasury/payments/", {"received_from": "2026-03-04"}).json()["results"] == []
    found = client.get("/api/treasury/pledges/", {"amount": "200.00"}).json()
    assert a.pk in [p["id"] for p in found]
    response = client.post(
        f"/api/treasury/payments/{payment.pk}/match/",
        {"parts": [{"pledge": a.pk, "amount": "200.00"}, {"pledge": b.pk, "amount": "300.00"}], "note": "delad"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert [r["amount"] for r in response.json()] == ["200.00", "300.00"]
    detail = client.get(f"/api/treasury/payments/{payment.pk}/").json()
    assert (detail["status"], detail["unallocated"]) == ("matched", "0.00")
    reverse = client.post(f"/api/treasury/allocations/{response.json()[0]['id']}/reverse/", {}, format="json")
    assert reverse.status_code == 201 and reverse.json()["amount"] == "-200.00"
    again = client.post(f"/api/treasury/allocations/{response.json()[0]['id']}/reverse/", {}, format="json")
    assert again.status_code == 409
    assert PaymentAllocation.objects.filter(payment=payment).count() == 3


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"parts": []},
        {"parts": "all"},
        {"parts": [{"pledge": "x", "amount": "1.00"}]},
        {"parts": [{"pledge": 1, "amount": "1e9999"}]},
        {"parts": [{"pledge": 1, "amount": "NaN"}]},
        {"parts": [{"pledge": 1, "amount": "-1"}]},
        {"parts": [{"pledge": 1, "amount": "12.345"}]},
        {"parts": [{"pledge": 1, "amount": "9" * 10_000}]},
        {"parts": [{"pledge": 1, "amount": True}]},
        {"parts": [{"pledge": 999999, "amount": "1.00"}]},
        {"parts": [{"pledge": 1, "amount": "1.00"}], "note": "x" * 10_000},
        {"parts": [{"pledge": "1; DROP TABLE pools_payment", "amount": "1.00"}]},
    ],
)
def test_match_refuses_bad_input_with_400(world, treasurer, body):
    response = as_user(treasurer).post(f"/api/treasury/payments/{world['payment'].pk}/match/", body, format="json")
    assert response.status_code == 400, (body, response.status_code)
    assert PaymentAllocation.objects.count() == 1


def test_match_more_than_left_is_409(world, treasurer):
    response = as_user(treasurer).post(
        f"/api/treasury/payments/{world['payment'].pk}/match/",
        {"parts": [{"pledge": world["pledge"].pk, "amount": "50.01"}]},
        format="json",
    )
    assert response.status_code == 409


def test_unknown_objects_are_404(treasurer):
    client = as_user(treasurer)
    assert client.get("/api/treasury/payments/999999/").status_code == 404
    assert client.get("/api/treasury/bank-files/999999/").status_code == 404
    assert client.get("/api/treasury/payouts/999999/").status_code == 404
    assert client.get("/api/treasury/reports/nope/").status_code == 404
    assert client.post("/api/treasury/allocations/999999/reverse/", {}, format="json").status_code == 404


def test_report_json_and_exports(world, treasurer):
    client = as_user(treasurer)
    body = client.get("/api/treasury/reports/pools/", {"as_of": "2030-01-01"}).json()
    [row] = [r for r in body["rows"] if r["pool_id"] == world["pledge"].pool_id]
    assert (row["pledged_ore"], row["received_ore"]) == ("100.00", "100.00")
    assert body["monthly"] == [{"month": "2026-03", "received": "100.00", "cumulative": "100.00"}]
    csv_response = client.get("/api/treasury/reports/pools/", {"as_of": "2030-01-01", "export": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert ";100,00;" in b"".join(csv_response.streaming_content).decode("utf-8-sig")
    xlsx = client.get("/api/treasury/reports/savers/", {"export": "xlsx"})
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    pdf = client.get("/api/treasury/reports/overview/", {"export": "pdf"})
    assert pdf.content[:5] == b"%PDF-"


def test_report_json_pages_and_sorts_with_totals_of_all_rows(world, treasurer, pool, saver):
    for amount in (30_000, 20_000):
        money_pledge(pool, saver, amount_ore=amount)
    client = as_user(treasurer)
    query = {"as_of": "2030-01-01", "page": 1, "page_size": 2, "sort": "-pledged_ore"}
    body = client.get("/api/treasury/reports/pledges/", query).json()
    assert body["row_count"] == 3
    assert [r["pledged_ore"] for r in body["rows"]] == ["300.00", "200.00"]
    second = client.get("/api/treasury/reports/pledges/", {**query, "page": 2}).json()
    assert [r["pledged_ore"] for r in second["rows"]] == ["100.00"]
    every = client.get("/api/treasury/reports/pledges/", {"as_of": "2030-01-01"}).json()
    assert every["row_count"] == len(every["rows"]) == 3


@pytest.mark.parametrize(
    "query",
    [
        {"as_of": "1999-12-31"},
        {"as_of": "not-a-date"},
        {"as_of": "2026-02-30"},
        {"date_from": "2026-03-02", "date_to": "2026-03-01"},
        {"export": "exe"},
        {"pool": "-1"},
        {"as_of": "<script>"},
    ],
)
def test_report_refuses_bad_queries(treasurer, query):
    response = as_user(treasurer).get("/api/treasury/reports/pools/", query)
    assert response.status_code == 400


def test_csv_export_escapes_formula_cells(pool, treasurer):
    money_pledge(pool, amount_ore=100, contact_name='=HYPERLINK("http://evil")')
    text = b"".join(
        as_user(treasurer).get("/api/treasury/reports/pledges/", {"export": "csv"}).streaming_content
    ).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ";=HYPERLINK" not in text


def test_four_eyes_through_the_api(world, treasurer, second_treasurer):
    from tests.twofactor import login_verified

    batch = world["batch"]
    # Approving and exporting need a session with a fresh second factor (step-up), not a bare login.
    mine = login_verified(APIClient(), treasurer)
    not_yet = mine.post(f"/api/treasury/payouts/{batch.pk}/export/", {"file_format": "csv"})
    assert not_yet.status_code == 409 and not_yet.json()["code"] == "not_approved"
    refused = mine.post(f"/api/treasury/payouts/{batch.pk}/approve/")
    assert refused.status_code == 403 and refused.json()["code"] == "four_eyes"
    approved = login_verified(APIClient(), second_treasurer).post(f"/api/treasury/payouts/{batch.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    exported = mine.post(f"/api/treasury/payouts/{batch.pk}/export/", {"file_format": "csv"})
    assert exported.status_code == 200 and b"50.00" in exported.content
    assert mine.post(f"/api/treasury/payouts/{batch.pk}/cancel/").status_code == 409


def test_prepare_takes_amounts_from_candidates_not_from_the_client(pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=100)
    payment = payment_record(
        amount_ore=300, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL, payer_account="bankgiro 5050-1055"
    )
    payment_match_manual(payment=payment, parts=[(pledge, 100)], by=treasurer)
    client = as_user(treasurer)
    [candidate] = client.get("/api/treasury/payout-candidates/", {"kind": "refund"}).json()
    assert candidate["amount"] == "2.00"
    response = client.post(
        "/api/treasury/payouts/",
        {
            "kind": "refund",
            "source_keys": [candidate["source_key"]],
            "total": "99999.00",
            "status": "exported",
            "approved_by": treasurer.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["total"], response.json()["status"], response.json()["approved_by"]) == (
        "2.00",
        "prepared",
        None,
    )
    assert (
        client.post(
            "/api/treasury/payouts/", {"kind": "refund", "source_keys": ["x" * 10_000]}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post("/api/treasury/payouts/", {"kind": "gift", "source_keys": ["a"]}, format="json").status_code == 400
    )


def test_audit_endpoint_filters_by_record(world, treasurer):
    client = as_user(treasurer)
    body = client.get(
        "/api/treasury/audit/", {"table": "pools_paymentallocation", "row_id": world["allocation"].pk}
    ).json()
    [event] = body["results"]
    assert event["action"] == "insert" and event["actor_id"] == treasurer.pk
    assert event["after"]["amount_ore"] == 10_000
    assert client.get("/api/treasury/audit/", {"table": "accounts_user"}).status_code == 400
    assert client.get("/api/treasury/audit/", {"row_id": "1 OR 1=1"}).status_code == 400


def test_api_write_names_the_session_user_in_the_audit_trail(world, treasurer):
    # Treasurers have no API tokens (a token never saw the second factor): their API writes come
    # from a two-factor-verified session, and the trail names them.
    from treasury.models import AuditEvent

    client = login_verified(APIClient(), treasurer)
    response = client.post(f"/api/treasury/allocations/{world['allocation'].pk}/reverse/", {}, format="json")
    assert response.status_code == 201
    event = AuditEvent.objects.get(table_name="pools_paymentallocation", row_id=response.json()["id"])
    assert event.actor_id == treasurer.pk


def test_approval_needs_the_approve_payouts_permission(world):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    clerk = UserFactory(roles=())
    clerk.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="pools", codename__in=["view_reports", "manage_payments"])
    )
    client = as_user(clerk)
    assert client.get(f"/api/treasury/payouts/{world['batch'].pk}/").status_code == 200
    assert client.post(f"/api/treasury/payouts/{world['batch'].pk}/approve/").status_code == 403
    world["batch"].refresh_from_db()
    assert world["batch"].status == PayoutStatus.PREPARED


def test_candidate_without_an_account_is_listed_as_missing_and_cannot_be_prepared(pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=100)
    payment = payment_record(amount_ore=300, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment, parts=[(pledge, 100)], by=treasurer)
    client = as_user(treasurer)
    [candidate] = client.get("/api/treasury/payout-candidates/", {"kind": "refund"}).json()
    assert (candidate["is_missing_account"], candidate["payee_account"], candidate["payee_account_source"]) == (
        True,
        "",
        "",
    )
    assert candidate["missing_account_reason"]
    response = client.post(
        "/api/treasury/payouts/", {"kind": "refund", "source_keys": [candidate["source_key"]]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "payee_account_missing"
    assert candidate["source_key"] in response.json()["source_keys"][0]
    assert not PayoutBatch.objects.exists()


def test_list_lines_say_where_their_account_came_from(world, treasurer):
    body = as_user(treasurer).get(f"/api/treasury/payouts/{world['batch'].pk}/").json()
    [line] = body["lines"]
    assert (line["payee_account"], line["payee_account_source"]) == ("bankgiro 5050-1055", "payer_account")
    payment = as_user(treasurer).get(f"/api/treasury/payments/{world['payment'].pk}/").json()
    assert payment["payer_account"] == "bankgiro 5050-1055"


def test_second_export_is_refused_without_the_confirm_flag(world, treasurer, second_treasurer):
    from treasury.services import payout_approve

    batch = payout_approve(batch=world["batch"], by=second_treasurer)
    client = login_verified(APIClient(), treasurer)  # a payment file needs a fresh second factor
    url = f"/api/treasury/payouts/{batch.pk}/export/"
    assert client.post(url, {"file_format": "csv"}, format="json").status_code == 200
    refused = client.post(url, {"file_format": "pain001"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "payout_already_exported"
    again = client.post(url, {"file_format": "pain001", "confirm_repeat": True}, format="json")
    assert again.status_code == 200 and b"pain.001.001.03" in again.content
