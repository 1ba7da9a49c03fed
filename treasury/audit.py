"""The audit trail's plumbing: database triggers write AuditEvent rows, this module tells them who acts.

Why triggers: signals miss QuerySet.update(), bulk_create() and raw SQL; a trigger sees every row.
The triggers (created by the treasury_audit_triggers migration, for PostgreSQL and SQLite) read
the acting user from the connection:

- PostgreSQL: the session setting `lokalkapital.user_id`, set by `set_config()` just before each
  write to an audited table (so it is right even after a rolled-back transaction).
- SQLite: an application-defined SQL function `lk_audit_actor()` registered on every connection,
  returning the same value. A write from outside Django (the sqlite3 shell) has no such function
  and is refused on audited tables; on PostgreSQL such a write is recorded with no actor.

Who acts: an explicit `audit_actor(user)` block (services, tasks) wins; otherwise the user of the
current request (AuditActorMiddleware), resolved lazily only when an audited table is written.
"""

from __future__ import annotations

import contextvars
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver

AUDITED_TABLES: dict[str, str] = {
    # table -> "all" (every change) or a column whose change alone is recorded
    "pools_pledge": "all",
    "pools_payment": "all",
    "pools_paymentallocation": "all",
    "pools_pool": "status",
    "treasury_payoutbatch": "all",
    "treasury_payoutline": "all",
    # Regulated offers (pools/offers): every sheet version, assessment, regulated pledge record, offer
    # event and lender payment. Not the kept statement PDFs: they are made again from these rows.
    "pools_pooloffer": "all",
    "pools_keyinfosheet": "all",
    "pools_investorassessment": "all",
    "pools_regulatedpledge": "all",
    "pools_offerevent": "all",
    "pools_lenderpayment": "all",
}
AUDITED_MODELS: dict[str, tuple[str, str]] = {
    "pools_pledge": ("pools", "Pledge"),
    "pools_payment": ("pools", "Payment"),
    "pools_paymentallocation": ("pools", "PaymentAllocation"),
    "pools_pool": ("pools", "Pool"),
    "treasury_payoutbatch": ("treasury", "PayoutBatch"),
    "treasury_payoutline": ("treasury", "PayoutLine"),
    "pools_pooloffer": ("pools", "PoolOffer"),
    "pools_keyinfosheet": ("pools", "KeyInfoSheet"),
    "pools_investorassessment": ("pools", "InvestorAssessment"),
    "pools_regulatedpledge": ("pools", "RegulatedPledge"),
    "pools_offerevent": ("pools", "OfferEvent"),
    "pools_lenderpayment": ("pools", "LenderPayment"),
}
# How each audited row reaches its community, as an SQL expression over the row (`{row}`: NEW or OLD on
# SQLite, the transition table's alias or `($1)` on PostgreSQL). The triggers write the result into
# AuditEvent.community, so the audit trail is scoped by one column. A row that reaches no community (an
# investor assessment, which is the person's own; a payment recorded before its bank-file line or first
# match exists) is written with none: such rows are shown to platform staff only.
_POOL_OF = "(SELECT pool_.community_id FROM pools_pool AS pool_ WHERE pool_.id = {column})"
AUDIT_COMMUNITY_SQL: dict[str, str] = {
    "pools_pool": "{row}.community_id",
    "pools_pledge": _POOL_OF.format(column="{row}.pool_id"),
    "pools_paymentallocation": _POOL_OF.format(column="{row}.pool_id"),
    # A payment: the community of the bank file it came from, else of the pool it was first matched to.
    "pools_payment": (
        "COALESCE((SELECT file_.community_id FROM treasury_bankfileline AS line_"
        " JOIN treasury_bankfile AS file_ ON file_.id = line_.bank_file_id WHERE line_.payment_id = {row}.id),"
        " (SELECT pool_.community_id FROM pools_pool AS pool_ WHERE pool_.id = (SELECT part_.pool_id"
        " FROM pools_paymentallocation AS part_ WHERE part_.payment_id = {row}.id ORDER BY part_.id LIMIT 1)))"
    ),
    "treasury_payoutbatch": "{row}.community_id",
    "treasury_payoutline": (
        "(SELECT batch_.community_id FROM treasury_payoutbatch AS batch_ WHERE batch_.id = {row}.batch_id)"
    ),
    "pools_pooloffer": _POOL_OF.format(column="{row}.pool_id"),
    "pools_keyinfosheet": _POOL_OF.format(column="{row}.pool_id"),
    "pools_regulatedpledge": (
        "(SELECT pool_.community_id FROM pools_pledge AS pledge_ JOIN pools_pool AS pool_ ON pool_.id = pledge_.pool_id"
        " WHERE pledge_.id = {row}.pledge_id)"
    ),
    "pools_offerevent": (
        "COALESCE((SELECT pool_.community_id FROM pools_pool AS pool_ WHERE pool_.id = {row}.pool_id),"
        " (SELECT pool_.community_id FROM pools_pledge AS pledge_"
        " JOIN pools_pool AS pool_ ON pool_.id = pledge_.pool_id WHERE pledge_.id = {row}.pledge_id),"
        " (SELECT pool_.community_id FROM pools_keyinfosheet AS sheet_"
        " JOIN pools_pool AS pool_ ON pool_.id = sheet_.pool_id WHERE sheet_.id = {row}.sheet_id))"
    ),
    "pools_lenderpayment": _POOL_OF.format(column="{row}.pool_id"),
    "invest_project": "{row}.community_id",
    "invest_microfund": "{row}.community_id",
}


# On PostgreSQL a bank-file import names the community it writes for in the transaction-local setting
# `lokalkapital.community_id` (as the actor is named in `lokalkapital.user_id`; treasury/imports.py): its payments
# are written before their lines and matches, so their audit rows take the named community instead of looking for
# rows that do not exist yet and being corrected, row by row, when those are written.
NAMED_COMMUNITY_SETTING = "lokalkapital.community_id"
_NAMED_COMMUNITY_TABLES = frozenset({"pools_payment"})


def community_sql(table: str, row: str, *, inserted: bool = False) -> str:
    """The SQL expression (PostgreSQL) of the community of `table`'s row `row` (NULL for rows of no community);
    `inserted`: for the insert trigger, where an import's named community comes first."""
    template = AUDIT_COMMUNITY_SQL.get(table)
    if not template:
        return "NULL"
    if inserted and table in _NAMED_COMMUNITY_TABLES:
        named = f"NULLIF(current_setting('{NAMED_COMMUNITY_SETTING}', true), '')::bigint"
        return f"COALESCE({named}, {template.format(row=row)})"
    return template.format(row=row)


# SQLite checks every trigger when Django rebuilds a table (ALTER TABLE ... RENAME), and fails when one names a
# table that is absent for that moment: so its triggers name no other table. They read the row's own columns
# and pass them to lk_audit_community(table, ...), a function registered on every connection (like
# lk_audit_actor) that runs the same path's SELECT on the same connection and transaction.
_ROW_COLUMN = re.compile(r"\{row\}\.(\w+)")
_OWN_COLUMN = "{row}.community_id"


def _row_columns(template: str) -> list[str]:
    return list(dict.fromkeys(_ROW_COLUMN.findall(template)))


def _sqlite_lookup_sql(template: str) -> str:
    columns = _row_columns(template)
    return "SELECT " + _ROW_COLUMN.sub(lambda match: f"?{columns.index(match[1]) + 1}", template)


SQLITE_COMMUNITY_LOOKUPS: dict[str, str] = {
    table: _sqlite_lookup_sql(template) for table, template in AUDIT_COMMUNITY_SQL.items() if template != _OWN_COLUMN
}
SQLITE_COMMUNITY_LOOKUPS["treasury_bankfile"] = "SELECT community_id FROM treasury_bankfile WHERE id = ?1"


def sqlite_community_sql(table: str, row: str) -> str:
    """The community of `table`'s row `row` in a SQLite trigger (NULL for rows of no community)."""
    template = AUDIT_COMMUNITY_SQL.get(table)
    if template is None:
        return "NULL"
    if template == _OWN_COLUMN:
        return f"{row}.community_id"
    arguments = ", ".join(f'{row}."{column}"' for column in _row_columns(template))
    return f"lk_audit_community('{table}', {arguments})"


def _sqlite_community(raw_connection: Any) -> Callable[..., int | None]:
    def lookup(table: str, *values: Any) -> int | None:
        sql = SQLITE_COMMUNITY_LOOKUPS.get(table)
        if sql is None or all(value is None for value in values):
            return None
        try:
            found = raw_connection.execute(sql, values).fetchone()
        except sqlite3.OperationalError:
            return None  # a table of the path not there (yet): mid-migration; the row is recorded without one
        return int(found[0]) if found and found[0] is not None else None

    return lookup


# The columns the community expressions read: until every one exists (older migrations install the triggers
# before them), the triggers are installed without the community, and post_migrate installs them again.
_COMMUNITY_COLUMNS = (
    ("treasury_auditevent", "community_id"),
    ("pools_pool", "community_id"),
    ("treasury_payoutbatch", "community_id"),
    ("treasury_bankfile", "community_id"),
    ("invest_project", "community_id"),
    ("invest_microfund", "community_id"),
)


def community_columns_ready(connection: Any) -> bool:
    """Whether the audit triggers can record the community: every column they read exists."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table, column in _COMMUNITY_COLUMNS:
            if table not in existing:
                return False
            description = connection.introspection.get_table_description(cursor, table)
            if column not in {c.name for c in description}:
                return False
    return True


# A person's refund account (where their money goes) is audited too, by its own triggers below:
# only changes of refund_iban, and only id, email and refund_iban are copied (never the password hash).
USER_TABLE = "accounts_user"
# Where a project or fund is paid by Swish is audited too (a changed number redirects savers' money): only
# changes of swish_number, and only id, name, the person responsible and the number are copied.
RECEIVER_TABLES: dict[str, str] = {"invest_project": "owner_id", "invest_microfund": "organiser_id"}
_QUOTED_TABLES = tuple(f'"{name}"' for name in (*AUDITED_TABLES, USER_TABLE, *RECEIVER_TABLES))
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")

_UNSET = object()
_explicit_actor: contextvars.ContextVar[object] = contextvars.ContextVar("lk_audit_actor", default=_UNSET)
_request_var: contextvars.ContextVar[Any] = contextvars.ContextVar("lk_audit_request", default=None)
# What the SQLite function returns: resolved by the execute wrapper just before an audited write.
_resolved = threading.local()


@contextmanager
def audit_actor(user: Any) -> Iterator[None]:
    """Attribute every audited write inside the block to `user` (a User, an id, or None)."""
    token = _explicit_actor.set(getattr(user, "pk", user))
    try:
        yield
    finally:
        _explicit_actor.reset(token)


@contextmanager
def audit_request(request: Any) -> Iterator[None]:
    """Make the request's user the default actor (used by the middleware)."""
    token = _request_var.set(request)
    try:
        yield
    finally:
        _request_var.reset(token)


def current_actor_id() -> int | None:
    """The acting user's id: an explicit audit_actor block, else the request's logged-in user."""
    explicit = _explicit_actor.get()
    if explicit is not _UNSET:
        return int(explicit) if explicit is not None else None  # type: ignore[call-overload]
    request = _request_var.get()
    if request is None:
        return None
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return int(user.pk)
    return None


def _is_audited_write(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    return head in _WRITE_VERBS and any(table in sql for table in _QUOTED_TABLES)


def _execute_wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    if isinstance(sql, str) and _is_audited_write(sql):
        actor = current_actor_id()
        connection = context["connection"]
        if connection.vendor == "postgresql":
            # The raw cursor, so the extra round trip is not logged as a query of the caller's.
            context["cursor"].cursor.execute(
                "SELECT set_config('lokalkapital.user_id', %s, false)", ["" if actor is None else str(actor)]
            )
        else:
            _resolved.actor = actor
            try:
                return execute(sql, params, many, context)
            finally:
                _resolved.actor = None  # never leak an actor into a write that bypasses this wrapper
    return execute(sql, params, many, context)


def _sqlite_actor() -> int | None:
    return getattr(_resolved, "actor", None)


@receiver(connection_created)
def _install_on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Hook every new connection: the write wrapper, and on SQLite the actor and community functions."""
    if _execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_execute_wrapper)
    if connection.vendor == "sqlite":
        connection.connection.create_function("lk_audit_actor", 0, _sqlite_actor, deterministic=False)
        connection.connection.create_function(
            "lk_audit_community", -1, _sqlite_community(connection.connection), deterministic=False
        )


# ---------------------------------------------------------------- trigger SQL (used by the migration)

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION treasury_audit_row() RETURNS trigger AS $$
DECLARE
    actor_text text := NULLIF(current_setting('lokalkapital.user_id', true), '');
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        new_row := to_jsonb(NEW);
    ELSIF TG_OP = 'UPDATE' THEN
        old_row := to_jsonb(OLD);
        new_row := to_jsonb(NEW);
        IF old_row = new_row THEN
            RETURN NEW;
        END IF;
    ELSE
        old_row := to_jsonb(OLD);
    END IF;
    INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at)
    VALUES (TG_TABLE_NAME, COALESCE((new_row->>'id')::bigint, (old_row->>'id')::bigint),
            lower(TG_OP), old_row, new_row, actor_text::bigint, clock_timestamp());
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Inserted rows are recorded once per statement, from the statement's new rows (a transition table):
-- the same audit rows as the row trigger writes, in one INSERT ... SELECT, so a COPY of 100,000 rows
-- does not run a PL/pgSQL call and an INSERT per row.
CREATE OR REPLACE FUNCTION treasury_audit_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at)
    SELECT TG_TABLE_NAME, inserted.id, 'insert', NULL, to_jsonb(inserted),
           NULLIF(current_setting('lokalkapital.user_id', true), '')::bigint, clock_timestamp()
    FROM audit_new_rows AS inserted;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

# The same functions once AuditEvent has its community column: the trigger's one argument is the SQL of
# the row's community (AUDIT_COMMUNITY_SQL), run for the row (`($1)` is NEW, or OLD on delete) or, for
# inserts, joined to the statement's new rows (`inserted`). Dynamic SQL because one function serves every
# table; the argument comes from the constant above, never from input.
PG_FUNCTION_WITH_COMMUNITY = """
CREATE OR REPLACE FUNCTION treasury_audit_row() RETURNS trigger AS $$
DECLARE
    actor_text text := NULLIF(current_setting('lokalkapital.user_id', true), '');
    old_row jsonb;
    new_row jsonb;
    community bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        new_row := to_jsonb(NEW);
    ELSIF TG_OP = 'UPDATE' THEN
        old_row := to_jsonb(OLD);
        new_row := to_jsonb(NEW);
        IF old_row = new_row THEN
            RETURN NEW;
        END IF;
    ELSE
        old_row := to_jsonb(OLD);
    END IF;
    IF TG_NARGS > 0 THEN
        IF TG_OP = 'DELETE' THEN
            EXECUTE 'SELECT ' || TG_ARGV[0] INTO community USING OLD;
        ELSE
            EXECUTE 'SELECT ' || TG_ARGV[0] INTO community USING NEW;
        END IF;
    END IF;
    INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at, community_id)
    VALUES (TG_TABLE_NAME, COALESCE((new_row->>'id')::bigint, (old_row->>'id')::bigint),
            lower(TG_OP), old_row, new_row, actor_text::bigint, clock_timestamp(), community);
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION treasury_audit_inserted() RETURNS trigger AS $$
BEGIN
    IF TG_NARGS = 0 THEN
        INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at)
        SELECT TG_TABLE_NAME, inserted.id, 'insert', NULL, to_jsonb(inserted),
               NULLIF(current_setting('lokalkapital.user_id', true), '')::bigint, clock_timestamp()
        FROM audit_new_rows AS inserted;
        RETURN NULL;
    END IF;
    EXECUTE format(
        'INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at, community_id) '
        'SELECT %L, inserted.id, %L, NULL, to_jsonb(inserted), $1, clock_timestamp(), %s '
        'FROM audit_new_rows AS inserted', TG_TABLE_NAME, 'insert', TG_ARGV[0])
    USING NULLIF(current_setting('lokalkapital.user_id', true), '')::bigint;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _pg_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pg_trigger_sql(table: str, scope: str, *, community: bool = False) -> list[str]:
    """CREATE TRIGGER statements for one table on PostgreSQL: inserts per statement, updates and
    deletes per row; with `community`, each trigger is given the SQL of the row's community."""
    name = f"{table}_audit"
    row_function = "treasury_audit_row()"
    inserted_function = "treasury_audit_inserted()"
    if community:
        row_function = f"treasury_audit_row({_pg_literal(community_sql(table, '($1)'))})"
        inserted_function = f"treasury_audit_inserted({_pg_literal(community_sql(table, 'inserted', inserted=True))})"
    inserted = [
        f'DROP TRIGGER IF EXISTS {name}_ins ON "{table}"',
        f'CREATE TRIGGER {name}_ins AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS audit_new_rows '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {inserted_function}",
    ]
    if scope == "all":
        return [
            f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
            f'CREATE TRIGGER {name} AFTER UPDATE OR DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION {row_function}',
            *inserted,
        ]
    return [
        f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
        f'DROP TRIGGER IF EXISTS {name}_upd ON "{table}"',
        f'CREATE TRIGGER {name} AFTER DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION {row_function}',
        f'CREATE TRIGGER {name}_upd AFTER UPDATE OF "{scope}" ON "{table}" FOR EACH ROW '
        f'WHEN (OLD."{scope}" IS DISTINCT FROM NEW."{scope}") EXECUTE FUNCTION {row_function}',
        *inserted,
    ]


def sqlite_trigger_sql(table: str, scope: str, columns: list[str], *, community: bool = False) -> list[str]:
    """CREATE TRIGGER statements for one table on SQLite (columns listed: no row-to-JSON there); with
    `community`, each audit row records the row's community."""

    def row_json(alias: str) -> str:
        pairs = ", ".join(f"'{col}', {alias}.\"{col}\"" for col in columns)
        return f"json_object({pairs})"

    def tail(alias: str) -> str:
        return f", {sqlite_community_sql(table, alias)})" if community else ")"

    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    names = "table_name, row_id, action, before, after, actor_id, at" + (", community_id" if community else "")
    insert = f"INSERT INTO treasury_auditevent ({names}) VALUES "  # noqa: S608  (constant column names)
    changed = " OR ".join(f'OLD."{col}" IS NOT NEW."{col}"' for col in (columns if scope == "all" else [scope]))
    return [
        f"DROP TRIGGER IF EXISTS {table}_audit_ins",
        f"DROP TRIGGER IF EXISTS {table}_audit_upd",
        f"DROP TRIGGER IF EXISTS {table}_audit_del",
        f'CREATE TRIGGER {table}_audit_ins AFTER INSERT ON "{table}" BEGIN {insert}'
        f"('{table}', NEW.id, 'insert', NULL, {row_json('NEW')}, lk_audit_actor(), {now}{tail('NEW')}; END",
        f'CREATE TRIGGER {table}_audit_upd AFTER UPDATE ON "{table}" WHEN {changed} BEGIN {insert}'
        f"('{table}', NEW.id, 'update', {row_json('OLD')}, {row_json('NEW')}, lk_audit_actor(), {now}"
        f"{tail('NEW')}; END",
        f'CREATE TRIGGER {table}_audit_del AFTER DELETE ON "{table}" BEGIN {insert}'
        f"('{table}', OLD.id, 'delete', {row_json('OLD')}, NULL, lk_audit_actor(), {now}{tail('OLD')}; END",
    ]


def triggers_install(apps: Any, schema_editor: Any, *, community: bool | None = None) -> None:
    """Create (or re-create) every audit trigger for the connection's vendor, from the tables' columns.
    A migration that adds or removes a column of an audited table runs it again (SQLite lists the columns,
    and rebuilds a table to alter it, which drops its triggers)."""
    vendor = schema_editor.connection.vendor
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        # An earlier migration running this meets only the tables made so far; a later one adds the rest.
        existing = set(connection.introspection.table_names(cursor))
    audited = {table: scope for table, scope in AUDITED_TABLES.items() if table in existing}
    statements: list[str] = []
    if community is None:  # as far as the columns allow
        community = vendor in ("postgresql", "sqlite") and community_columns_ready(connection)
    if vendor == "postgresql":
        statements.append(PG_FUNCTION_WITH_COMMUNITY if community else PG_FUNCTION)
        for table, scope in audited.items():
            statements += pg_trigger_sql(table, scope, community=community)
    elif vendor == "sqlite":
        with connection.cursor() as cursor:
            for table, scope in audited.items():
                # The table's own columns, not the migration state's model: a migration running this again
                # backwards gets a state that still has the column it removed.
                description = connection.introspection.get_table_description(cursor, table)
                columns = [column.name for column in description]
                statements += sqlite_trigger_sql(table, scope, columns, community=community)
    else:
        return  # other databases: no audit trail (documented)
    for statement in statements:
        schema_editor.execute(statement, params=None)


def triggers_remove(apps: Any, schema_editor: Any) -> None:
    """Drop every audit trigger (the migration's reverse)."""
    vendor = schema_editor.connection.vendor
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    for table in AUDITED_TABLES:
        if table not in existing:
            continue
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {table}_audit ON "{table}"', params=None)
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {table}_audit_upd ON "{table}"', params=None)
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {table}_audit_ins ON "{table}"', params=None)
        elif vendor == "sqlite":
            for suffix in ("ins", "upd", "del"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_audit_{suffix}", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS treasury_audit_row()", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS treasury_audit_inserted()", params=None)


def inserts_per_row_install(apps: Any, schema_editor: Any) -> None:
    """Going back before inserts were recorded per statement: the row trigger records them again."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        existing = set(schema_editor.connection.introspection.table_names(cursor))
    for table, scope in AUDITED_TABLES.items():
        if table not in existing:
            continue
        events = "INSERT OR UPDATE OR DELETE" if scope == "all" else "INSERT OR DELETE"
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {table}_audit_ins ON "{table}"', params=None)
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {table}_audit ON "{table}"', params=None)
        create = f'CREATE TRIGGER {table}_audit AFTER {events} ON "{table}" FOR EACH ROW'
        schema_editor.execute(f"{create} EXECUTE FUNCTION treasury_audit_row()", params=None)


PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION treasury_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS treasury_auditevent_append_only ON treasury_auditevent;
CREATE TRIGGER treasury_auditevent_append_only BEFORE UPDATE OR DELETE ON treasury_auditevent
FOR EACH ROW EXECUTE FUNCTION treasury_audit_append_only();
"""


def append_only_install(apps: Any, schema_editor: Any) -> None:
    """On PostgreSQL, refuse UPDATE and DELETE of audit rows. (Not on SQLite: Django's test flush
    deletes rows there, and TRUNCATE, used on PostgreSQL, is left allowed for the same reason.)"""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_APPEND_ONLY, params=None)


def append_only_remove(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS treasury_auditevent_append_only ON treasury_auditevent; "
            "DROP FUNCTION IF EXISTS treasury_audit_append_only()",
            params=None,
        )


# ---------------------------------------------------------------- the refund account (accounts_user)

PG_USER_SQL = """
CREATE OR REPLACE FUNCTION treasury_audit_refund_account() RETURNS trigger AS $$
BEGIN
    INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at)
    VALUES (TG_TABLE_NAME, NEW.id, 'update',
            jsonb_build_object('id', OLD.id, 'email', OLD.email, 'refund_iban', OLD.refund_iban),
            jsonb_build_object('id', NEW.id, 'email', NEW.email, 'refund_iban', NEW.refund_iban),
            NULLIF(current_setting('lokalkapital.user_id', true), '')::bigint, clock_timestamp());
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS accounts_user_refund_audit ON accounts_user;
CREATE TRIGGER accounts_user_refund_audit AFTER UPDATE OF refund_iban ON accounts_user FOR EACH ROW
WHEN (OLD.refund_iban IS DISTINCT FROM NEW.refund_iban) EXECUTE FUNCTION treasury_audit_refund_account();
"""

SQLITE_USER_SQL = [
    "DROP TRIGGER IF EXISTS accounts_user_refund_audit",
    "CREATE TRIGGER accounts_user_refund_audit AFTER UPDATE ON accounts_user "
    "WHEN OLD.refund_iban IS NOT NEW.refund_iban BEGIN "
    "INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at) VALUES "
    "('accounts_user', NEW.id, 'update', "
    "json_object('id', OLD.id, 'email', OLD.email, 'refund_iban', OLD.refund_iban), "
    "json_object('id', NEW.id, 'email', NEW.email, 'refund_iban', NEW.refund_iban), "
    "lk_audit_actor(), strftime('%Y-%m-%d %H:%M:%f', 'now')); END",
]


def refund_account_trigger_install(apps: Any, schema_editor: Any) -> None:
    """Audit every change of a user's refund account (the refund_account_audit migration)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_USER_SQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_USER_SQL:
            schema_editor.execute(statement, params=None)


def refund_account_trigger_remove(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS accounts_user_refund_audit ON accounts_user; "
            "DROP FUNCTION IF EXISTS treasury_audit_refund_account()",
            params=None,
        )
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS accounts_user_refund_audit", params=None)


# ---------------------------------------------------------------- where a project or fund is paid (Swish)

PG_RECEIVER_FUNCTION = """
CREATE OR REPLACE FUNCTION treasury_audit_receiver_swish() RETURNS trigger AS $$
DECLARE
    person text := TG_ARGV[0];
BEGIN
    INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at)
    VALUES (TG_TABLE_NAME, NEW.id, 'update',
            jsonb_build_object('id', OLD.id, 'name', OLD.name, person, to_jsonb(OLD) -> person,
                               'swish_number', OLD.swish_number),
            jsonb_build_object('id', NEW.id, 'name', NEW.name, person, to_jsonb(NEW) -> person,
                               'swish_number', NEW.swish_number),
            NULLIF(current_setting('lokalkapital.user_id', true), '')::bigint, clock_timestamp());
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


# Once AuditEvent has its community column: the project's or fund's own community.
PG_RECEIVER_FUNCTION_WITH_COMMUNITY = PG_RECEIVER_FUNCTION.replace(
    "(table_name, row_id, action, before, after, actor_id, at)",
    "(table_name, row_id, action, before, after, actor_id, at, community_id)",
).replace("clock_timestamp());", "clock_timestamp(), NEW.community_id);")


def _receiver_pg_trigger(table: str, person: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_swish_audit ON {table}; "
        f"CREATE TRIGGER {table}_swish_audit AFTER UPDATE OF swish_number ON {table} FOR EACH ROW "
        "WHEN (OLD.swish_number IS DISTINCT FROM NEW.swish_number) "
        f"EXECUTE FUNCTION treasury_audit_receiver_swish('{person}')"
    )


def _receiver_sqlite_triggers(table: str, person: str, *, community: bool = False) -> list[str]:
    def row(alias: str) -> str:
        return (
            f"json_object('id', {alias}.id, 'name', {alias}.name, '{person}', {alias}.{person}, "
            f"'swish_number', {alias}.swish_number)"
        )

    # The table and column names come from RECEIVER_TABLES above, never from input.
    names = "table_name, row_id, action, before, after, actor_id, at" + (", community_id" if community else "")
    insert = f"INSERT INTO treasury_auditevent ({names}) VALUES "  # noqa: S608  (constant column names)
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')" + (", NEW.community_id" if community else "")
    return [
        f"DROP TRIGGER IF EXISTS {table}_swish_audit",
        f"CREATE TRIGGER {table}_swish_audit AFTER UPDATE ON {table} WHEN OLD.swish_number IS NOT NEW.swish_number "
        f"BEGIN {insert}('{table}', NEW.id, 'update', {row('OLD')}, {row('NEW')}, lk_audit_actor(), {now}); END",
    ]


def receiver_swish_trigger_install(apps: Any, schema_editor: Any, *, community: bool | None = None) -> None:
    """Audit every change of a project's or fund's Swish number (the receiver_swish_audit migration).
    On SQLite a later migration that rebuilds invest_project or invest_microfund drops these triggers:
    such a migration must run this again afterwards."""
    vendor = schema_editor.connection.vendor
    if community is None:  # as far as the columns allow
        community = vendor in ("postgresql", "sqlite") and community_columns_ready(schema_editor.connection)
    if vendor == "postgresql":
        schema_editor.execute(PG_RECEIVER_FUNCTION_WITH_COMMUNITY if community else PG_RECEIVER_FUNCTION, params=None)
        for table, person in RECEIVER_TABLES.items():
            schema_editor.execute(_receiver_pg_trigger(table, person), params=None)
    elif vendor == "sqlite":
        for table, person in RECEIVER_TABLES.items():
            for statement in _receiver_sqlite_triggers(table, person, community=community):
                schema_editor.execute(statement, params=None)


def receiver_swish_trigger_remove(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in RECEIVER_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_swish_audit ON {table}", params=None)
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_swish_audit", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS treasury_audit_receiver_swish()", params=None)


# ---------------------------------------------------------------- the community of a payment recorded earlier

# A payment is inserted before the bank-file line that names it (or the first match to a pledge), so its
# insert's audit row cannot know the community yet. When the line or the first match is written, these
# triggers fill in the community of the payment's audit rows still without one. That is the one change the
# append-only rule allows: a missing community set once, every other field unchanged.
PG_APPEND_ONLY_COMMUNITY_FILL = """
CREATE OR REPLACE FUNCTION treasury_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.community_id IS NULL AND NEW.community_id IS NOT NULL
       AND NEW.id = OLD.id AND NEW.table_name = OLD.table_name AND NEW.row_id = OLD.row_id
       AND NEW.action = OLD.action AND NEW.at = OLD.at
       AND NEW.before IS NOT DISTINCT FROM OLD.before AND NEW.after IS NOT DISTINCT FROM OLD.after
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id THEN
        RETURN NEW;  -- the one change allowed: a missing community filled in
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

PG_PAYMENT_COMMUNITY_SQL = """
CREATE OR REPLACE FUNCTION treasury_audit_payment_community_from_lines() RETURNS trigger AS $$
BEGIN
    UPDATE treasury_auditevent AS event SET community_id = file_.community_id
    FROM audit_new_lines AS line_ JOIN treasury_bankfile AS file_ ON file_.id = line_.bank_file_id
    WHERE line_.payment_id IS NOT NULL AND event.table_name = 'pools_payment'
      AND event.row_id = line_.payment_id AND event.community_id IS NULL;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION treasury_audit_payment_community_from_parts() RETURNS trigger AS $$
BEGIN
    UPDATE treasury_auditevent AS event SET community_id = pool_.community_id
    FROM audit_new_parts AS part_ JOIN pools_pool AS pool_ ON pool_.id = part_.pool_id
    WHERE event.table_name = 'pools_payment' AND event.row_id = part_.payment_id AND event.community_id IS NULL;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS treasury_bankfileline_payment_community ON treasury_bankfileline;
CREATE TRIGGER treasury_bankfileline_payment_community AFTER INSERT ON treasury_bankfileline
REFERENCING NEW TABLE AS audit_new_lines FOR EACH STATEMENT
EXECUTE FUNCTION treasury_audit_payment_community_from_lines();
DROP TRIGGER IF EXISTS pools_paymentallocation_payment_community ON pools_paymentallocation;
CREATE TRIGGER pools_paymentallocation_payment_community AFTER INSERT ON pools_paymentallocation
REFERENCING NEW TABLE AS audit_new_parts FOR EACH STATEMENT
EXECUTE FUNCTION treasury_audit_payment_community_from_parts();
"""

SQLITE_PAYMENT_COMMUNITY_SQL = [
    "DROP TRIGGER IF EXISTS treasury_bankfileline_payment_community",
    "CREATE TRIGGER treasury_bankfileline_payment_community AFTER INSERT ON treasury_bankfileline "
    "WHEN NEW.payment_id IS NOT NULL BEGIN "
    "UPDATE treasury_auditevent SET community_id = lk_audit_community('treasury_bankfile', NEW.bank_file_id) "
    "WHERE table_name = 'pools_payment' AND row_id = NEW.payment_id AND community_id IS NULL; END",
    "DROP TRIGGER IF EXISTS pools_paymentallocation_payment_community",
    "CREATE TRIGGER pools_paymentallocation_payment_community AFTER INSERT ON pools_paymentallocation BEGIN "
    "UPDATE treasury_auditevent SET community_id = lk_audit_community('pools_paymentallocation', NEW.pool_id) "
    "WHERE table_name = 'pools_payment' AND row_id = NEW.payment_id AND community_id IS NULL; END",
]


def payment_community_triggers_install(apps: Any, schema_editor: Any) -> None:
    """Fill in the community of a payment's earlier audit rows once its bank-file line or first match is
    written (and let the append-only rule allow exactly that). SQLite rebuilds a table to alter it, which
    drops these triggers: post_migrate installs them again (treasury/apps.py)."""
    vendor = schema_editor.connection.vendor
    if not community_columns_ready(schema_editor.connection):
        return
    if vendor == "postgresql":
        schema_editor.execute(PG_APPEND_ONLY_COMMUNITY_FILL, params=None)
        schema_editor.execute(PG_PAYMENT_COMMUNITY_SQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_PAYMENT_COMMUNITY_SQL:
            schema_editor.execute(statement, params=None)


def payment_community_triggers_remove(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS treasury_bankfileline_payment_community ON treasury_bankfileline; "
            "DROP TRIGGER IF EXISTS pools_paymentallocation_payment_community ON pools_paymentallocation; "
            "DROP FUNCTION IF EXISTS treasury_audit_payment_community_from_lines(); "
            "DROP FUNCTION IF EXISTS treasury_audit_payment_community_from_parts()",
            params=None,
        )
        append_only_install(apps, schema_editor)  # back to refusing every update
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS treasury_bankfileline_payment_community", params=None)
        schema_editor.execute("DROP TRIGGER IF EXISTS pools_paymentallocation_payment_community", params=None)


def community_triggers_remove(apps: Any, schema_editor: Any) -> None:
    """Every audit trigger again without the community (going back before it was recorded)."""
    payment_community_triggers_remove(apps, schema_editor)
    triggers_install(apps, schema_editor, community=False)
    receiver_swish_trigger_install(apps, schema_editor, community=False)


def community_triggers_install(apps: Any, schema_editor: Any) -> None:
    """Every audit trigger again, now recording the community (the audit_triggers_record_community
    migration; also run after every migrate, see treasury/apps.py)."""
    triggers_install(apps, schema_editor)
    receiver_swish_trigger_install(apps, schema_editor)
    payment_community_triggers_install(apps, schema_editor)
