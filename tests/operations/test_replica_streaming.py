"""Reports read from a real streaming replica (a second local PostgreSQL cluster, scripts/replica.sh):
the figures equal the primary's, writes still go to the primary, a lagging replica is not used.

Skips when no replica answers on TEST_REPLICA_PORT (5433); CI starts one, and there
(LOKALKAPITAL_REQUIRE_SERVICES=1) a missing replica fails the run instead.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from operations.replica import LAGGING, REPLICA, reading_from, report_source, reporting_alias
from pools.models import Payment, PaymentChannel, Pool
from pools.services import payment_record
from tests.conftest import REQUIRE_SERVICES
from tests.replica import REPLICA_PORT, replica_alias, streaming_replica_available
from tests.treasury.helpers import money_pledge
from tests.waiting import wait_until
from treasury.exports import report_csv_chunks, report_xlsx_file
from treasury.reports import report_build, report_params
from treasury.services import payment_match_manual

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def replica(transactional_db):
    """The replica alias on the streaming standby, once it has replayed everything written so far."""
    why_not = streaming_replica_available()
    if why_not:
        if REQUIRE_SERVICES:
            pytest.fail(f"{why_not}, but LOKALKAPITAL_REQUIRE_SERVICES=1")
        pytest.skip(why_not)
    with replica_alias(port=REPLICA_PORT) as alias:
        yield alias


def caught_up():
    """Wait until the replica has replayed all the primary has written; the source to read from."""
    found = []

    def check() -> bool:
        source = report_source()
        found[:] = [source]
        return source.is_replica and source.behind_bytes == 0

    wait_until(check, timeout=30, what="the replica to replay the primary's writes")
    return found[0]


@pytest.fixture
def books(pool, saver, other_saver, treasurer):
    """Two pledges on the primary, one paid in full yesterday, one half paid today."""
    yesterday = timezone.localdate() - timedelta(days=1)
    first = money_pledge(pool, saver, amount_ore=100_000)
    second = money_pledge(pool, other_saver, amount_ore=60_000)
    paid = payment_record(amount_ore=100_000, received_on=yesterday, channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=paid, parts=[(first, 100_000)], by=treasurer)
    half = payment_record(amount_ore=30_000, received_on=timezone.localdate(), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=half, parts=[(second, 30_000)], by=treasurer)
    return {"first": first, "second": second}


def _figures(kind: str, as_of: date) -> tuple[list[dict], dict]:
    report = report_build(kind=kind, params=report_params(as_of=as_of, date_from=None, date_to=None))
    return list(report.rows), report.totals


def test_report_reads_come_from_the_replica_and_equal_the_primary(replica, books, pool):
    source = caught_up()
    assert source.lag_seconds == 0.0
    today = timezone.localdate()
    on_primary = {
        (kind, day): _figures(kind, day)
        for kind in ("pools", "savers", "overview")
        for day in (today, today - timedelta(1))
    }
    assert on_primary[("pools", today)][1]["received_ore"] == 130_000
    with reading_from(source):
        assert reporting_alias() == REPLICA
        with connections[reporting_alias()].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
            assert cursor.fetchone() == (True, REPLICA_PORT)
        assert Payment.objects.all().db == REPLICA
        assert Payment.objects.count() == 2
        on_replica = {key: _figures(*key) for key in on_primary}
        # Writes inside reporting code still go to the primary (the replica refuses writes outright).
        Pool.objects.filter(pk=pool.pk).update(title="Renamed on the primary")
    assert on_replica == on_primary
    assert Pool.objects.get(pk=pool.pk).title == "Renamed on the primary"


def test_report_page_and_csv_export_are_read_from_the_replica(replica, books, client, treasurer, login_as):
    login_as(client, treasurer)
    caught_up()
    today = timezone.localdate().isoformat()
    page = client.get("/treasury/reports/pools/", {"as_of": today})
    assert page.status_code == 200
    assert page["X-Report-Source"] == "replica"
    assert 'data-report-source="replica"' in page.content.decode()
    rows, totals = _figures("pools", timezone.localdate())  # on the primary: no reporting block here
    assert page.context["report"].totals == totals and page.context["rows"] == rows
    # The CSV streams after the view returned: its rows too are read on the replica, and equal the primary's.
    export = client.get("/treasury/reports/pledges/", {"as_of": today, "export": "csv"})
    assert export["X-Report-Source"] == "replica"
    streamed = b"".join(export.streaming_content)
    params = report_params(as_of=timezone.localdate(), date_from=None, date_to=None)
    assert streamed == b"".join(report_csv_chunks(report_build(kind="pledges", params=params)))
    assert streamed.count(b"\n") == 3  # the header and two pledges
    # Excel: written from the replica's rows (a server-side cursor) before the response streams.
    from openpyxl import load_workbook

    xlsx = client.get("/treasury/reports/pledges/", {"as_of": today, "export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["X-Report-Source"] == "replica"
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True).active
    replica_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    primary_book = load_workbook(report_xlsx_file(report_build(kind="pledges", params=params)), read_only=True)
    assert replica_rows == [list(r) for r in primary_book.active.iter_rows(values_only=True)]
    assert len(replica_rows) >= 3
    api = client.get("/api/treasury/reports/pools/", {"as_of": today})
    assert api.status_code == 200 and api["X-Report-Source"] == "replica"
    assert api.json()["totals"]["received_ore"] == "1300.00"


def test_a_replica_chosen_as_caught_up_holds_every_write_committed_before(replica, pool, saver):
    caught_up()
    for n in range(10):
        pledge = money_pledge(pool, saver, amount_ore=1_000 + n)
        source = report_source()
        if source.is_replica and source.behind_bytes == 0:
            with reading_from(source):
                assert type(pledge).objects.filter(pk=pledge.pk).exists(), n
        else:
            assert source.is_replica and source.lag_seconds is not None  # briefly behind: the page says by how much


def test_a_replica_lagging_more_than_allowed_is_not_read(replica, books, client, treasurer, login_as, settings):
    login_as(client, treasurer)
    caught_up()
    settings.REPORT_REPLICA_MAX_LAG_SECONDS = -1  # any lag is too much
    source = report_source()
    assert (source.alias, source.fallback) == (DEFAULT_DB_ALIAS, LAGGING)
    page = client.get("/treasury/reports/overview/")
    assert page["X-Report-Source"] == "primary"
    assert page.context["source"].fallback == LAGGING
    assert 'data-report-source="primary"' in page.content.decode()


def test_fund_position_page_and_csv_are_read_from_the_replica(replica, client, treasurer, organiser, login_as):
    from invest.funds import selectors
    from pools.models import PledgeKind, PoolKind
    from pools.services import pledge_create
    from tests.factories import MicroFundFactory, PoolFactory
    from tests.invest.funds.conftest import pay
    from web.funds import exports

    fund = MicroFundFactory(organiser=organiser)
    capital = PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL, target_ore=10**10)
    gift = pledge_create(pool=capital, saver=organiser, kind=PledgeKind.GIFT, amount_ore=2_500_000)
    pay(gift, 2_500_000, timezone.localdate() - timedelta(days=3))
    login_as(client, treasurer)
    caught_up()
    page = client.get(f"/funds/{fund.slug}/position/")
    assert page.status_code == 200 and page["X-Report-Source"] == "replica"
    assert 'data-report-source="replica"' in page.content.decode()
    export = client.get(f"/funds/{fund.slug}/position.csv")
    assert export["X-Report-Source"] == "replica"
    on_primary = exports.position_csv(selectors.fund_position(fund=fund, as_of=timezone.localdate()))
    assert b"".join(export.streaming_content) == b"".join(on_primary.streaming_content)
