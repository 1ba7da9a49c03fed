"""The database keeps a pool in its beneficiary's community: a project's pool in the project's community, a
fund-capital pool in its micro-fund's community.

The rule for funds: a pool of a micro-fund belongs to the fund's own community (its host), even when the fund
serves savers of several member communities: the pool's money arrives on that community's bankgiro, its
treasurers reconcile it and its payout account pays refunds. Savers of other communities pledge to it as to
any pool (one account across communities); a fund that wants a pool run by another community's treasurers
needs its own fund in that community.

- PostgreSQL: composite foreign keys, pools_pool (project_id, community_id) -> invest_project (id,
  community_id) and (micro_fund_id, community_id) -> invest_microfund (id, community_id), immediate (a
  mismatched write fails at once, IntegrityError), NO ACTION on update (moving a project or fund with pools
  to another community is refused, not silently cascaded to its pools' money records).
- SQLite (no foreign key can be added to an existing table): triggers that RAISE(ABORT), which Django
  reports as IntegrityError. SQLite checks every trigger when Django rebuilds a table and fails on one that
  names a table absent at that moment, so these triggers name no other table: they call
  lk_community_of(table, id) and lk_pools_elsewhere(column, id, community), functions registered on every
  connection (as treasury/audit.py does). A rebuild of pools_pool, invest_project or invest_microfund drops
  them: post_migrate installs them again (invest/apps.py).

The services check first and raise PoolCommunityMismatch with a readable message (pools/services/pools.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver

PG_INSTALL = """
ALTER TABLE pools_pool DROP CONSTRAINT IF EXISTS pool_project_same_community;
ALTER TABLE pools_pool ADD CONSTRAINT pool_project_same_community
    FOREIGN KEY (project_id, community_id) REFERENCES invest_project (id, community_id);
ALTER TABLE pools_pool DROP CONSTRAINT IF EXISTS pool_fund_same_community;
ALTER TABLE pools_pool ADD CONSTRAINT pool_fund_same_community
    FOREIGN KEY (micro_fund_id, community_id) REFERENCES invest_microfund (id, community_id);
"""
PG_REMOVE = """
ALTER TABLE pools_pool DROP CONSTRAINT IF EXISTS pool_project_same_community;
ALTER TABLE pools_pool DROP CONSTRAINT IF EXISTS pool_fund_same_community;
"""

MISMATCH = "pool_community_mismatch: a pool belongs to the community of its project or micro-fund"
_POOL_MISMATCH = (
    "(NEW.project_id IS NOT NULL AND NEW.community_id IS NOT lk_community_of('invest_project', NEW.project_id))"
    " OR (NEW.micro_fund_id IS NOT NULL"
    " AND NEW.community_id IS NOT lk_community_of('invest_microfund', NEW.micro_fund_id))"
)
SQLITE_TRIGGERS = {
    "pools_pool_community_ins": (
        f"CREATE TRIGGER pools_pool_community_ins BEFORE INSERT ON pools_pool WHEN {_POOL_MISMATCH} "
        f"BEGIN SELECT RAISE(ABORT, '{MISMATCH}'); END"
    ),
    "pools_pool_community_upd": (
        "CREATE TRIGGER pools_pool_community_upd BEFORE UPDATE OF project_id, micro_fund_id, community_id "
        f"ON pools_pool WHEN {_POOL_MISMATCH} BEGIN SELECT RAISE(ABORT, '{MISMATCH}'); END"
    ),
    "invest_project_pool_community": (
        "CREATE TRIGGER invest_project_pool_community BEFORE UPDATE OF community_id ON invest_project "
        "WHEN lk_pools_elsewhere('project_id', NEW.id, NEW.community_id) "
        f"BEGIN SELECT RAISE(ABORT, '{MISMATCH}'); END"
    ),
    "invest_microfund_pool_community": (
        "CREATE TRIGGER invest_microfund_pool_community BEFORE UPDATE OF community_id ON invest_microfund "
        "WHEN lk_pools_elsewhere('micro_fund_id', NEW.id, NEW.community_id) "
        f"BEGIN SELECT RAISE(ABORT, '{MISMATCH}'); END"
    ),
}
_TABLES = {"invest_project", "invest_microfund"}
_POOL_COLUMNS = {"project_id", "micro_fund_id"}


def _community_of(raw_connection: Any) -> Callable[[str, int | None], int | None]:
    def community_of(table: str, row_id: int | None) -> int | None:
        if table not in _TABLES or row_id is None:
            return None
        try:
            found = raw_connection.execute(f"SELECT community_id FROM {table} WHERE id = ?", [row_id]).fetchone()  # noqa: S608  (table from _TABLES)
        except sqlite3.OperationalError:
            return None
        return int(found[0]) if found and found[0] is not None else None

    return community_of


def _pools_elsewhere(raw_connection: Any) -> Callable[[str, int, int], int]:
    def pools_elsewhere(column: str, row_id: int, community_id: int) -> int:
        if column not in _POOL_COLUMNS:
            return 0
        try:
            found = raw_connection.execute(
                f"SELECT 1 FROM pools_pool WHERE {column} = ? AND community_id IS NOT ? LIMIT 1",  # noqa: S608  (column from _POOL_COLUMNS)
                [row_id, community_id],
            ).fetchone()
        except sqlite3.OperationalError:
            return 0
        return 1 if found else 0

    return pools_elsewhere


@receiver(connection_created)
def _register_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.create_function("lk_community_of", 2, _community_of(raw), deterministic=False)
        raw.create_function("lk_pools_elsewhere", 3, _pools_elsewhere(raw), deterministic=False)


def _ready(connection: Any) -> bool:
    """Whether the tables and their community columns exist (older migrations run before them)."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in ("pools_pool", "invest_project", "invest_microfund"):
            if table not in existing:
                return False
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            if "community_id" not in columns:
                return False
    return True


def pool_community_install(apps: Any, schema_editor: Any) -> None:
    """Make the database refuse a pool outside its project's or fund's community (see the module docstring)."""
    connection = schema_editor.connection
    if not _ready(connection):
        return
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_INSTALL, params=None)
    elif connection.vendor == "sqlite":
        for name, statement in SQLITE_TRIGGERS.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
            schema_editor.execute(statement, params=None)


def pool_community_remove(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_REMOVE, params=None)
    elif connection.vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
