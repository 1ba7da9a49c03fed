"""Reports and exports read from a streaming replica when one is configured (DATABASE_REPLICA_URL).

Only code marked as reporting reads there: a report or export view runs inside `reporting_response`
(a task inside `reporting_db`), which picks the source once, and `ReplicaRouter` sends that code's reads
to it. Everything else reads the primary, so a request sees its own writes; writes always go to the primary,
and so does any read inside a transaction open on the primary (it may have written).

As-of figures stay exact: before a report the primary's WAL position is read and compared with what the
replica has replayed. Nothing behind: the replica holds every write committed before the report began, so
its figures equal the primary's. Behind: the page shows by how many seconds; more than
REPORT_REPLICA_MAX_LAG_SECONDS, or a replica that does not answer, and the report reads the primary
instead and says so, never an error page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.http import FileResponse
from django.http.response import HttpResponseBase

REPLICA = "replica"
logger = logging.getLogger(__name__)

# Why a report that could have read the replica reads the primary.
UNREACHABLE = "unreachable"
LAGGING = "lagging"


@dataclass(frozen=True)
class ReportSource:
    """Where one report reads: `alias`, and when a replica is configured, how far behind it was."""

    alias: str = DEFAULT_DB_ALIAS
    lag_seconds: float | None = None
    behind_bytes: int | None = None
    fallback: str = ""  # "", UNREACHABLE or LAGGING: the replica was configured but not used

    @property
    def is_replica(self) -> bool:
        return self.alias != DEFAULT_DB_ALIAS

    @property
    def lag_whole_seconds(self) -> int:
        return round(self.lag_seconds or 0)


_source: ContextVar[ReportSource | None] = ContextVar("report_source", default=None)
# A replica that failed is not asked again for this long (per process): a dead address costs a report
# one connection timeout, not every report one each.
RETRY_AFTER_FAILURE_SECONDS = 30.0
_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reporting_alias() -> str:
    """The database report reads use now: the replica inside `reporting_db` when it was fit, and no
    transaction is open on the primary; otherwise the primary."""
    source = _source.get()
    if source is None or not source.is_replica or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return source.alias


class ReplicaRouter:
    """Reads of reporting code to the replica (see `reporting_alias`); writes and migrations to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = reporting_alias()
        return alias if alias != DEFAULT_DB_ALIAS else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows: an object read there may relate to one read on the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _mark_down() -> None:
    global _down_until
    _down_until = time.monotonic() + RETRY_AFTER_FAILURE_SECONDS
    with suppress(Error):  # a broken connection may fail to close; the next use opens a new one
        connections[REPLICA].close()


def replica_forget_failure() -> None:
    """Ask the replica again at the next report (tests, and after an operator restarted it)."""
    global _down_until
    _down_until = 0.0


def report_source() -> ReportSource:
    """Measure the replica and choose where the next report reads. Never raises for a replica fault."""
    primary = connections[DEFAULT_DB_ALIAS]
    if not replica_configured() or primary.vendor != "postgresql" or primary.in_atomic_block:
        # Inside a transaction on the primary every read stays there (it may have written): say so.
        return ReportSource()
    if time.monotonic() < _down_until:
        return ReportSource(fallback=UNREACHABLE)
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_lsn = cursor.fetchone()[0]
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()),"
                " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())",
                [primary_lsn],
            )
            is_standby, behind, seconds = cursor.fetchone()
    except Error:
        logger.warning("replica database unreachable: reports read the primary", exc_info=True)
        _mark_down()
        return ReportSource(fallback=UNREACHABLE)
    if not is_standby or behind is None:
        logger.warning("the replica database is not a streaming standby: reports read the primary")
        return ReportSource(fallback=UNREACHABLE)
    behind_bytes = max(int(behind), 0)
    # Replayed up to the position the primary had when asked: every committed write is there.
    lag = 0.0 if behind_bytes == 0 else max(float(seconds or 0), 0.0)
    if lag > settings.REPORT_REPLICA_MAX_LAG_SECONDS:
        return ReportSource(lag_seconds=lag, behind_bytes=behind_bytes, fallback=LAGGING)
    return ReportSource(alias=REPLICA, lag_seconds=lag, behind_bytes=behind_bytes)


@contextmanager
def reading_from(source: ReportSource) -> Iterator[ReportSource]:
    """Run the block's report reads on `source` (see `reporting_alias`)."""
    token = _source.set(source)
    try:
        yield source
    finally:
        _source.reset(token)


@contextmanager
def reporting_db() -> Iterator[ReportSource]:
    """Mark the block as reporting: its reads go to the replica when it is fit (for report tasks)."""
    with reading_from(report_source()) as source:
        yield source


def _iterate_reading_from(source: ReportSource, chunks: Iterable[Any]) -> Iterator[Any]:
    """A streamed response's chunks, each produced with the report's source marked (the view has
    returned by then, and its context with it)."""
    iterator = iter(chunks)
    try:
        while True:
            with reading_from(source):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
            yield chunk
    finally:
        # A download broken off: close the rows' cursor now, on the connection it was opened on.
        close = getattr(iterator, "close", None)
        if close is not None:
            with reading_from(source):
                close()


def reporting_response(view: Callable[[ReportSource], HttpResponseBase]) -> HttpResponseBase:
    """Run a report or export view reading from the replica when it is fit. A replica failing midway
    is dropped and the view runs again on the primary. The response says where it read
    (X-Report-Source, X-Report-Replica-Lag headers); a streamed file keeps reading there."""
    source = report_source()
    if source.is_replica:
        try:
            with reading_from(source):
                response = view(source)
        except Error:
            logger.warning("replica database failed during a report: read again from the primary", exc_info=True)
            _mark_down()
            source = ReportSource(fallback=UNREACHABLE)
            with reading_from(source):
                response = view(source)
    else:
        with reading_from(source):
            response = view(source)
    # A file already written (an Excel export) needs no database while it streams.
    if response.streaming and source.is_replica and not isinstance(response, FileResponse):
        response.streaming_content = _iterate_reading_from(source, response.streaming_content)  # type: ignore[attr-defined]
    response["X-Report-Source"] = "replica" if source.is_replica else "primary"
    if source.lag_seconds is not None:
        response["X-Report-Replica-Lag"] = f"{source.lag_seconds:.1f}"
    return response
