"""CSV exports of the pledge and ledger reports: on PostgreSQL the database formats the rows itself
(`COPY ... TO STDOUT`), on SQLite Python does; both write the same bytes. Money in kronor with a decimal
comma from whole öre, dates as YYYY-MM-DD, codes as their translated labels, ';' between cells, quotes
where CSV needs them, an apostrophe before a cell a spreadsheet would run as a formula."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from pools.models import Payment, PaymentAllocation, PaymentChannel, Pledge, PledgeKind, PledgeSource
from tests.factories import PoolFactory
from tests.treasury.helpers import ocr
from treasury.exports import _choice_labels, _copy_csv, _csv_header, report_csv_chunks, report_csv_lines
from treasury.reports import report_build, report_params

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


def _history(*, titles: list[str], names: list[str], texts: list[str]) -> int:
    """Pools, savers, cards, pledges of every money kind and payments by every channel; the first pool's id."""
    pools = [PoolFactory(title=title) for title in titles]
    savers = [User.objects.create(email=f"copy{i}@example.se", full_name=name) for i, name in enumerate(names)]
    kinds = [PledgeKind.SUPPORT_SAVING, PledgeKind.GIFT, PledgeKind.LOAN, PledgeKind.PRE_PURCHASE]
    channels = list(PaymentChannel)
    for index in range(12):
        monthly = index % 3 == 0
        created_at = _at(date(2026, 1, 1) + timedelta(days=index * 9), hour=(9, 22, 23)[index % 3])
        pledge = Pledge.objects.create(
            pool=pools[index % len(pools)],
            saver=savers[index % len(savers)] if savers and index % 4 else None,
            contact_name=texts[index % len(texts)] if texts else "",
            kind=PledgeKind.SUPPORT_SAVING if monthly else kinds[index % len(kinds)],
            source=PledgeSource.TREASURER,
            amount_ore=25_050 * 6 if monthly else 1_000_007 * (index + 1),
            monthly_ore=25_050 if monthly else None,
            months=6 if monthly else None,
            ocr_reference=ocr(80_000 + index),
            due_on=None if monthly else created_at.date() + timedelta(days=20),
            starts_on=created_at.date() + timedelta(days=7) if monthly else None,
        )
        Pledge.objects.filter(pk=pledge.pk).update(
            created_at=created_at, withdrawn_at=created_at + timedelta(days=30) if index == 7 else None
        )
        if index % 2:
            continue
        payment = Payment.objects.create(
            amount_ore=99 + index * 10_001,
            received_on=created_at.date() + timedelta(days=5),
            channel=channels[index % len(channels)],
            reference=texts[(index + 1) % len(texts)] if texts else "",
            payer_name=texts[(index + 2) % len(texts)] if texts else "",
        )
        allocation = PaymentAllocation.objects.create(
            payment=payment, pledge=pledge, pool=pledge.pool, amount_ore=99 + index * 10_001
        )
        recorded_at = _at(payment.received_on, 13)
        Payment.objects.filter(pk=payment.pk).update(created_at=recorded_at)
        PaymentAllocation.objects.filter(pk=allocation.pk).update(created_at=recorded_at)
        if index == 4:  # the bank took this one back: a negative match, recorded later
            reversal = PaymentAllocation.objects.create(
                payment=payment, pledge=pledge, pool=pledge.pool, amount_ore=-(99 + index * 10_001), reverses=allocation
            )
            PaymentAllocation.objects.filter(pk=reversal.pk).update(created_at=recorded_at + timedelta(days=20))
    return pools[0].pk


TRICKY = [
    "Åsa; Öberg",
    'Bo "Bosse" Ek',
    "=SUM(A1:A9)",
    "-1",
    "+46 70",
    "@home",
    "två\nrader",
    "vagn\rretur",
    "\tflik",
    "100 %",
    "",
    " kant ",
    "\\.",
]


def _python_csv(report) -> bytes:
    return "".join(report_csv_lines(report)).encode("utf-8")


def _reports(first_pool: int):
    for params in (
        report_params(as_of=AS_OF, date_from=None, date_to=None),
        report_params(as_of=AS_OF, date_from=date(2026, 1, 20), date_to=date(2026, 3, 1)),
        report_params(as_of=date(2026, 2, 1), date_from=None, date_to=None),
    ):
        for kind in ("pledges", "ledger", "pool"):
            yield lambda kind=kind, params=params: report_build(
                kind=kind, params=params, pool_id=first_pool if kind == "pool" else None
            )


def test_pledge_export_writes_comma_kronor_labels_dates_and_escapes():
    first_pool = _history(titles=["=Kassa", "Byns; café"], names=["Åsa Öberg", ""], texts=["+46 70", 'Bo "B"'])
    with translation.override("sv"):
        report = report_build(kind="pledges", params=report_params(as_of=AS_OF, date_from=None, date_to=None))
        text = b"".join(report_csv_chunks(report)).decode("utf-8")
    lines = text.split("\n")
    assert lines[0].startswith("\ufeffLöfte-id;") or lines[0].startswith("\ufeff")
    assert text.endswith("\n") and "\r\n" not in text
    first = lines[1].split(";")
    # Pledge 0: support saving, 6 x 250,50 kr, paid 0,99 kr, to the pool named "=Kassa" (escaped).
    assert first[1] == "'=Kassa"
    assert first[4] == "Stödspar"
    assert first[5] == "2026-01-01"
    assert first[6:8] == ["1503,00", "0,99"]
    assert '"Byns; café"' in text
    assert "'+46 70" in text
    assert first_pool > 0


@pytest.mark.postgres
def test_copy_export_gives_the_same_bytes_as_the_python_export():
    first_pool = _history(titles=TRICKY[:5], names=TRICKY[5:], texts=TRICKY)
    assert connection.vendor == "postgresql"
    for build in _reports(first_pool):
        for language in ("sv", "en"):
            with translation.override(language):
                python_report, copy_report = build(), build()
                assert copy_report.rows_sql is not None
                expected = _python_csv(python_report)
                copied = b"".join(_copy_csv(_csv_header(copy_report), copy_report, _choice_labels(), chunk_bytes=100))
            assert expected.count(b"\n") > 1
            assert copied == expected, copy_report.kind


cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6)


@pytest.mark.postgres
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    titles=st.lists(cell_text, min_size=1, max_size=3),
    names=st.lists(cell_text, max_size=3),
    texts=st.lists(cell_text, max_size=4),
)
def test_copy_export_equals_the_python_export_on_any_text(titles, names, texts):
    with transaction.atomic():
        first_pool = _history(titles=titles, names=names, texts=texts)
        for build in _reports(first_pool):
            report = build()
            assert b"".join(report_csv_chunks(report)) == _python_csv(build()), report.kind
        transaction.set_rollback(True)
