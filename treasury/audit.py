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
    """Hook every new connection: the write wrapper, and on SQLite the actor function."""
    if _execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_execute_wrapper)
    if connection.vendor == "sqlite":
        connection.connection.create_function("lk_audit_actor", 0, _sqlite_actor, deterministic=False)


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


def pg_trigger_sql(table: str, scope: str) -> list[str]:
    """CREATE TRIGGER statements for one table on PostgreSQL: inserts per statement, updates and
    deletes per row."""
    name = f"{table}_audit"
    inserted = [
        f'DROP TRIGGER IF EXISTS {name}_ins ON "{table}"',
        f'CREATE TRIGGER {name}_ins AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS audit_new_rows '
        "FOR EACH STATEMENT EXECUTE FUNCTION treasury_audit_inserted()",
    ]
    if scope == "all":
        return [
            f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
            f'CREATE TRIGGER {name} AFTER UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION treasury_audit_row()",
            *inserted,
        ]
    return [
        f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
        f'DROP TRIGGER IF EXISTS {name}_upd ON "{table}"',
        f'CREATE TRIGGER {name} AFTER DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION treasury_audit_row()',
        f'CREATE TRIGGER {name}_upd AFTER UPDATE OF "{scope}" ON "{table}" FOR EACH ROW '
        f'WHEN (OLD."{scope}" IS DISTINCT FROM NEW."{scope}") EXECUTE FUNCTION treasury_audit_row()',
        *inserted,
    ]


def sqlite_trigger_sql(table: str, scope: str, columns: list[str]) -> list[str]:
    """CREATE TRIGGER statements for one table on SQLite (columns listed: no row-to-JSON there)."""

    def row_json(alias: str) -> str:
        pairs = ", ".join(f"'{col}', {alias}.\"{col}\"" for col in columns)
        return f"json_object({pairs})"

    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    insert = "INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at) VALUES "
    changed = " OR ".join(f'OLD."{col}" IS NOT NEW."{col}"' for col in (columns if scope == "all" else [scope]))
    return [
        f"DROP TRIGGER IF EXISTS {table}_audit_ins",
        f"DROP TRIGGER IF EXISTS {table}_audit_upd",
        f"DROP TRIGGER IF EXISTS {table}_audit_del",
        f'CREATE TRIGGER {table}_audit_ins AFTER INSERT ON "{table}" BEGIN {insert}'
        f"('{table}', NEW.id, 'insert', NULL, {row_json('NEW')}, lk_audit_actor(), {now}); END",
        f'CREATE TRIGGER {table}_audit_upd AFTER UPDATE ON "{table}" WHEN {changed} BEGIN {insert}'
        f"('{table}', NEW.id, 'update', {row_json('OLD')}, {row_json('NEW')}, lk_audit_actor(), {now}); END",
        f'CREATE TRIGGER {table}_audit_del AFTER DELETE ON "{table}" BEGIN {insert}'
        f"('{table}', OLD.id, 'delete', {row_json('OLD')}, NULL, lk_audit_actor(), {now}); END",
    ]


def triggers_install(apps: Any, schema_editor: Any) -> None:
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
    if vendor == "postgresql":
        statements.append(PG_FUNCTION)
        for table, scope in audited.items():
            statements += pg_trigger_sql(table, scope)
    elif vendor == "sqlite":
        with connection.cursor() as cursor:
            for table, scope in audited.items():
                # The table's own columns, not the migration state's model: a migration running this again
                # backwards gets a state that still has the column it removed.
                description = connection.introspection.get_table_description(cursor, table)
                statements += sqlite_trigger_sql(table, scope, [column.name for column in description])
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


def _receiver_pg_trigger(table: str, person: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_swish_audit ON {table}; "
        f"CREATE TRIGGER {table}_swish_audit AFTER UPDATE OF swish_number ON {table} FOR EACH ROW "
        "WHEN (OLD.swish_number IS DISTINCT FROM NEW.swish_number) "
        f"EXECUTE FUNCTION treasury_audit_receiver_swish('{person}')"
    )


def _receiver_sqlite_triggers(table: str, person: str) -> list[str]:
    def row(alias: str) -> str:
        return (
            f"json_object('id', {alias}.id, 'name', {alias}.name, '{person}', {alias}.{person}, "
            f"'swish_number', {alias}.swish_number)"
        )

    # The table and column names come from RECEIVER_TABLES above, never from input.
    insert = "INSERT INTO treasury_auditevent (table_name, row_id, action, before, after, actor_id, at) VALUES "
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    return [
        f"DROP TRIGGER IF EXISTS {table}_swish_audit",
        f"CREATE TRIGGER {table}_swish_audit AFTER UPDATE ON {table} WHEN OLD.swish_number IS NOT NEW.swish_number "
        f"BEGIN {insert}('{table}', NEW.id, 'update', {row('OLD')}, {row('NEW')}, lk_audit_actor(), {now}); END",
    ]


def receiver_swish_trigger_install(apps: Any, schema_editor: Any) -> None:
    """Audit every change of a project's or fund's Swish number (the receiver_swish_audit migration).
    On SQLite a later migration that rebuilds invest_project or invest_microfund drops these triggers:
    such a migration must run this again afterwards."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_RECEIVER_FUNCTION, params=None)
        for table, person in RECEIVER_TABLES.items():
            schema_editor.execute(_receiver_pg_trigger(table, person), params=None)
    elif vendor == "sqlite":
        for table, person in RECEIVER_TABLES.items():
            for statement in _receiver_sqlite_triggers(table, person):
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
