"""Properties of the import over generated files: what was matched, left unmatched and skipped
always adds up to the file's own totals; a mutated file is refused whole (never a 500)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from pools.models import Payment, PaymentAllocation
from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.camt_files import Entry, camt
from tests.treasury.helpers import money_pledge, ocr
from treasury.bankfiles import parse_camt
from treasury.models import BankFile, BankFileLine, LineOutcome
from treasury.services import bankfile_import

pytestmark = pytest.mark.django_db

PLEDGE_REFS = [ocr(900 + n) for n in range(4)]


class _Rollback(Exception):
    """Undo one generated example's writes, so examples never see each other's rows."""


_entry = st.tuples(
    st.integers(min_value=1, max_value=500_000),  # öre
    st.sampled_from(["pledge", "unknown", "bad-check-digit", "none"]),
    st.integers(min_value=0, max_value=len(PLEDGE_REFS) - 1),
    st.booleans(),  # already imported by an earlier notification
)


def _reference(kind: str, index: int) -> str:
    if kind == "pledge":
        return PLEDGE_REFS[index]
    if kind == "unknown":
        return ocr(7000 + index)
    if kind == "bad-check-digit":
        good = ocr(8000 + index)
        return good[:-1] + str((int(good[-1]) + 1) % 10)
    return ""


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(rows=st.lists(_entry, min_size=1, max_size=12), version=st.sampled_from([2, 8]))
def test_matched_unmatched_and_skipped_add_up_to_the_files_own_totals(pool, treasurer, rows, version):
    try:
        with transaction.atomic():
            for n, ref in enumerate(PLEDGE_REFS):
                money_pledge(pool, amount_ore=100_000 * (n + 1), reference=ref)
            entries = [
                Entry(f"{amount // 100}.{amount % 100:02d}", f"B-{n}", reference=_reference(kind, index))
                for n, (amount, kind, index, _early) in enumerate(rows)
            ]
            early = [e for e, row in zip(entries, rows, strict=True) if row[3]]
            if early:
                bankfile_import(
                    content=camt(early, message="054", version=version, msg_id="N", block_id="N"),
                    filename="054",
                    by=treasurer,
                )
            content = camt(entries, version=version, msg_id="S")
            stated = parse_camt(content)
            result = bankfile_import(content=content, filename="053", by=treasurer)
            lines = BankFileLine.objects.filter(bank_file=result)

            matched = lines.exclude(outcome__in=[LineOutcome.UNMATCHED, LineOutcome.SKIPPED]).count()
            unmatched = lines.filter(outcome=LineOutcome.UNMATCHED).count()
            skipped = lines.filter(outcome=LineOutcome.SKIPPED).count()
            assert matched + unmatched + skipped == stated.declared_count == len(rows)
            assert skipped == len(early)
            assert sum(line.amount_ore for line in lines) == stated.declared_total_ore
            # Every entry became exactly one payment, whichever file brought it first.
            assert Payment.objects.count() == len(rows)
            # Money allocated never exceeds what arrived.
            allocated = sum(a.amount_ore for a in PaymentAllocation.objects.all())
            assert 0 <= allocated <= sum(p.amount_ore for p in Payment.objects.all())
            raise _Rollback
    except _Rollback:
        pass


# --- byte-mutation fuzz through the API -----------------------------------------------------------

_BGMAX = bgmax([BgPayment(12_500, ocr(951), name="Åsa"), BgPayment(700, "", name="Kjell", text="Gåva")])
_CAMT_02 = camt([Entry("125.00", "F-1", reference=ocr(951)), Entry("30.00", "F-2", debit=True)])
_CAMT_08 = camt([Entry("125.00", "F-1", reference=ocr(951))], message="054", version=8)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    original=st.sampled_from([_BGMAX, _CAMT_02, _CAMT_08]),
    mutations=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=4),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_a_mutated_file_is_never_a_500_and_a_refusal_writes_nothing(treasurer, original, mutations, cut):
    data = bytearray(original)
    for where, value in mutations:
        data[int(where * len(data))] = value
    if cut is not None:
        data = data[: int(cut * len(data))]
    client = APIClient()
    client.force_authenticate(treasurer)
    try:
        with transaction.atomic():
            before = (BankFile.objects.count(), Payment.objects.count(), BankFileLine.objects.count())
            response = client.post(
                "/api/treasury/bank-files/", {"file": SimpleUploadedFile("f", bytes(data))}, format="multipart"
            )
            assert response.status_code in (201, 202, 400, 409), response.content[:300]
            if response.status_code >= 400:
                after = (BankFile.objects.count(), Payment.objects.count(), BankFileLine.objects.count())
                assert after == before
                assert response.json()["detail"] if "detail" in response.json() else response.json()
            raise _Rollback
    except _Rollback:
        pass
