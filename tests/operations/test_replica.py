"""The replica router: only reporting code reads the replica, never writes, never inside a transaction;
a dead or lagging replica means reading the primary (and saying so), never an error page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

from operations.replica import (
    LAGGING,
    REPLICA,
    UNREACHABLE,
    ReplicaRouter,
    ReportSource,
    reading_from,
    report_source,
    reporting_alias,
    reporting_db,
)
from pools.models import Payment, Pledge
from tests.replica import replica_alias

ROOT = Path(__file__).resolve().parents[2]
ON_REPLICA = ReportSource(alias=REPLICA, lag_seconds=0.0, behind_bytes=0)


def _dead_port() -> int:
    """A local port where nothing listens (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_without_a_replica_everything_reads_and_writes_the_default_database():
    assert report_source() == ReportSource()
    with reporting_db() as source:
        assert not source.is_replica
        assert reporting_alias() == DEFAULT_DB_ALIAS
        assert router.db_for_read(Pledge) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Pledge) == DEFAULT_DB_ALIAS


def test_report_reads_go_to_the_replica_and_writes_never():
    assert not connections[DEFAULT_DB_ALIAS].in_atomic_block
    with reading_from(ON_REPLICA):
        assert reporting_alias() == REPLICA
        assert ReplicaRouter().db_for_read(Payment) == REPLICA
        assert ReplicaRouter().db_for_write(Payment) == DEFAULT_DB_ALIAS
    # Outside the reporting block: a normal request's reads see its own writes on the primary.
    assert reporting_alias() == DEFAULT_DB_ALIAS
    assert ReplicaRouter().db_for_read(Payment) is None


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_there():
    with reading_from(ON_REPLICA), transaction.atomic():
        assert reporting_alias() == DEFAULT_DB_ALIAS
        assert ReplicaRouter().db_for_read(Payment) is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_report_begun_inside_a_transaction_reads_the_primary_and_says_so():
    # pytest-django's `db` runs the test in a transaction, as a view inside transaction.atomic() would.
    assert connections[DEFAULT_DB_ALIAS].in_atomic_block
    with replica_alias(port=_dead_port(), connect_timeout=1):
        assert report_source() == ReportSource()  # the replica is not even asked


def test_migrations_only_on_the_primary_and_relations_across_the_two():
    r = ReplicaRouter()
    assert r.allow_migrate(DEFAULT_DB_ALIAS, "pools") is True
    assert r.allow_migrate(REPLICA, "pools") is False
    one, other = Pledge(), Payment()
    one._state.db, other._state.db = DEFAULT_DB_ALIAS, REPLICA
    assert r.allow_relation(one, other) is True
    other._state.db = "elsewhere"
    assert r.allow_relation(one, other) is None


def _settings_in_subprocess(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'databases': settings.DATABASES, 'routers': settings.DATABASE_ROUTERS,"
        " 'lag': settings.REPORT_REPLICA_MAX_LAG_SECONDS}, default=str))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_ENV="test", **env)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, check=True)
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def test_settings_add_the_replica_alias_only_when_its_url_is_set():
    primary = "postgres://postgres@127.0.0.1:5432/lk"
    plain = _settings_in_subprocess(DATABASE_URL=primary)
    assert set(plain["databases"]) == {"default"}
    assert plain["routers"] == ["operations.replica.ReplicaRouter"] and plain["lag"] == 300
    configured = _settings_in_subprocess(
        DATABASE_URL=primary,
        DATABASE_REPLICA_URL="postgres://postgres@10.0.0.2:5433/lk",
        REPORT_REPLICA_MAX_LAG_SECONDS="60",
    )
    replica = configured["databases"]["replica"]
    assert (replica["HOST"], str(replica["PORT"]), replica["NAME"]) == ("10.0.0.2", "5433", "lk")
    assert replica["TEST"]["MIRROR"] == "default"  # tests create no database on the replica
    assert replica["OPTIONS"]["connect_timeout"] == 2
    # The primary's pool settings, with a short wait: a dead replica costs a report seconds, not 20.
    assert replica["OPTIONS"]["pool"]["max_size"] == configured["databases"]["default"]["OPTIONS"]["pool"]["max_size"]
    assert replica["OPTIONS"]["pool"]["timeout"] == 2
    assert configured["lag"] == 60
    # SQLite has no replicas: the URL is ignored there.
    sqlite = _settings_in_subprocess(DATABASE_REPLICA_URL="postgres://postgres@10.0.0.2:5433/lk")
    assert set(sqlite["databases"]) == {"default"}


# ---------------------------------------------------------------- a replica that does not answer


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dead_replica_address_falls_back_to_the_primary_and_is_not_asked_again_at_once():
    with replica_alias(port=_dead_port(), connect_timeout=1):
        started = time.monotonic()
        source = report_source()
        assert source == ReportSource(fallback=UNREACHABLE)
        assert time.monotonic() - started < 10
        # Remembered for a while: the next report does not wait for the dead address again.
        started = time.monotonic()
        assert report_source() == ReportSource(fallback=UNREACHABLE)
        assert time.monotonic() - started < 0.5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_report_pages_and_api_answer_from_the_primary_when_the_replica_is_dead(client, treasurer, organiser, login_as):
    from tests.factories import MicroFundFactory

    fund = MicroFundFactory(organiser=organiser)
    login_as(client, treasurer)
    with replica_alias(port=_dead_port(), connect_timeout=1):
        page = client.get("/treasury/reports/overview/", {"as_of": "2030-01-01"})
        assert page.status_code == 200
        assert page["X-Report-Source"] == "primary"
        assert 'data-report-source="primary"' in page.content.decode()
        assert page.context["source"].fallback == UNREACHABLE
        export = client.get("/treasury/reports/pledges/", {"as_of": "2030-01-01", "export": "csv"})
        assert export.status_code == 200 and export["X-Report-Source"] == "primary"
        b"".join(export.streaming_content)
        api = client.get("/api/treasury/reports/pools/", {"as_of": "2030-01-01"})
        assert api.status_code == 200 and api["X-Report-Source"] == "primary"
        position = client.get(f"/funds/{fund.slug}/position/")
        assert position.status_code == 200 and 'data-report-source="primary"' in position.content.decode()


def test_lagging_and_unreachable_sources_read_the_primary():
    assert not ReportSource(lag_seconds=900.0, behind_bytes=10, fallback=LAGGING).is_replica
    assert reporting_alias() == DEFAULT_DB_ALIAS
    with reading_from(ReportSource(fallback=UNREACHABLE)):
        assert reporting_alias() == DEFAULT_DB_ALIAS
