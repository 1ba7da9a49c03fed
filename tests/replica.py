"""The `replica` database alias in tests, built the way settings build it from DATABASE_REPLICA_URL.

The suite does not set DATABASE_REPLICA_URL (every transactional test would then read reports from a
replica it may not have); the tests of the replica router register the alias themselves, pointing at
the pytest test database on another port: a real streaming replica (scripts/replica.sh, port 5433 or
TEST_REPLICA_PORT) or an address where nothing listens.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from unittest import mock
from urllib.parse import quote

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from config.settings import replica_database
from operations.replica import REPLICA, replica_forget_failure

# A test-only variable (like TEST_REDIS_PORT), not a setting: where scripts/replica.sh runs the replica.
REPLICA_PORT = int(os.environ.get("TEST_REPLICA_PORT", "5433"))


def replica_url(port: int) -> str:
    """The test database's URL on the primary's host, at another port."""
    db = connections["default"].settings_dict
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{port}/{db['NAME']}"


@contextmanager
def replica_alias(*, port: int, connect_timeout: int = 2) -> Iterator[str]:
    """Register the replica alias for the block (call it inside a test with database access)."""
    entry = replica_database(replica_url(port), dict(settings.DATABASES["default"]), connect_timeout=connect_timeout)
    entry = connections.configure_settings({"default": dict(connections["default"].settings_dict), REPLICA: entry})[
        REPLICA
    ]
    # connections.settings is settings.DATABASES itself: one entry makes the alias known to both.
    settings.DATABASES[REPLICA] = entry
    replica_forget_failure()
    try:
        with _connections_allowed_to(REPLICA):
            yield REPLICA
    finally:
        connection = connections[REPLICA]
        with suppress(Exception):  # a connection to a dead address may fail to close
            connection.close()
        if REPLICA in getattr(type(connection), "_connection_pools", {}):
            connection.close_pool()  # the pool is kept per alias: the next test's alias gets a fresh one
        with suppress(AttributeError):
            del connections[REPLICA]
        settings.DATABASES.pop(REPLICA, None)
        replica_forget_failure()


@contextmanager
def _connections_allowed_to(alias: str) -> Iterator[None]:
    """Let the alias connect during the test. Django's test case refuses new connections to aliases it was
    not told about when the test began (pytest-django cannot name one that does not exist yet); this
    alias is made by the test itself, so it connects as outside tests."""
    patched = BaseDatabaseWrapper.ensure_connection

    def ensure_connection(self: BaseDatabaseWrapper) -> None:
        if self.alias == alias and self.connection is None:
            with self.wrap_database_errors:
                self.connect()
            return
        patched(self)

    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", ensure_connection):
        yield


def streaming_replica_available(port: int = REPLICA_PORT) -> str:
    """'' when a streaming standby answers on the port, else why not."""
    import psycopg

    db = connections["default"].settings_dict
    try:
        with psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=port,
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=2,
        ) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    except psycopg.Error as exc:
        return f"no PostgreSQL replica on port {port} ({exc.__class__.__name__}; run scripts/replica.sh start)"
    if not row or not row[0]:
        return f"the server on port {port} is not a standby (run scripts/replica.sh start)"
    return ""
