"""Audit rows written before the triggers recorded the community get it, where the audited row still
exists and reaches one (the same paths as treasury/audit.py AUDIT_COMMUNITY_SQL, copied here as they are
today). Rows of deleted records, investor assessments and refund accounts keep none (platform staff only)."""

from django.db import migrations

POOL_OF = "(SELECT pool_.community_id FROM pools_pool AS pool_ WHERE pool_.id = {column})"
PATHS = {
    "pools_pool": "r.community_id",
    "pools_pledge": POOL_OF.format(column="r.pool_id"),
    "pools_paymentallocation": POOL_OF.format(column="r.pool_id"),
    "pools_payment": (
        "COALESCE((SELECT file_.community_id FROM treasury_bankfileline AS line_"
        " JOIN treasury_bankfile AS file_ ON file_.id = line_.bank_file_id WHERE line_.payment_id = r.id),"
        " (SELECT pool_.community_id FROM pools_paymentallocation AS part_"
        " JOIN pools_pool AS pool_ ON pool_.id = part_.pool_id WHERE part_.payment_id = r.id"
        # `+ 0`: found by the payment's index and sorted, not by walking the primary key once per payment.
        " ORDER BY part_.id + 0 LIMIT 1))"
    ),
    "treasury_payoutbatch": "r.community_id",
    "treasury_payoutline": "(SELECT batch_.community_id FROM treasury_payoutbatch AS batch_ WHERE batch_.id = r.batch_id)",
    "pools_pooloffer": POOL_OF.format(column="r.pool_id"),
    "pools_keyinfosheet": POOL_OF.format(column="r.pool_id"),
    "pools_regulatedpledge": (
        "(SELECT pool_.community_id FROM pools_pledge AS pledge_ JOIN pools_pool AS pool_ ON pool_.id = pledge_.pool_id"
        " WHERE pledge_.id = r.pledge_id)"
    ),
    "pools_offerevent": (
        "COALESCE(" + POOL_OF.format(column="r.pool_id") + ","
        " (SELECT pool_.community_id FROM pools_pledge AS pledge_ JOIN pools_pool AS pool_ ON pool_.id = pledge_.pool_id"
        " WHERE pledge_.id = r.pledge_id),"
        " (SELECT pool_.community_id FROM pools_keyinfosheet AS sheet_ JOIN pools_pool AS pool_ ON pool_.id = sheet_.pool_id"
        " WHERE sheet_.id = r.sheet_id))"
    ),
    "pools_lenderpayment": POOL_OF.format(column="r.pool_id"),
    "invest_project": "r.community_id",
    "invest_microfund": "r.community_id",
}


def fill_community(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table, path in PATHS.items():
            if table not in existing:
                continue
            # On PostgreSQL the append-only rule lets exactly this through: a missing community set once.
            # Only rows that reach a community: writing NULL over NULL would be an update the rule refuses.
            found = f"(SELECT {path} FROM {table} AS r WHERE r.id = treasury_auditevent.row_id)"
            cursor.execute(
                f"UPDATE treasury_auditevent SET community_id = {found} "
                f"WHERE table_name = %s AND community_id IS NULL AND {found} IS NOT NULL",
                [table],
            )


def forget_community(apps, schema_editor):
    """Going back leaves the filled communities: they are true, and the append-only rule refuses clearing them."""


class Migration(migrations.Migration):
    dependencies = [
        ("treasury", "0012_audit_triggers_record_community"),
    ]

    operations = [
        migrations.RunPython(fill_community, forget_community, elidable=False),
    ]
