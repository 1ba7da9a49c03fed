"""Bank files and payout lists belong to one community (today's go to the first); audit rows may name one.\n\nSQLite rebuilds treasury_payoutbatch, which drops its audit triggers: they are installed again at the end."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import communities.selectors
from treasury.audit import triggers_install


def _first_community_id(apps: Any) -> int:
    Community = apps.get_model("communities", "Community")
    pk = Community.objects.order_by("pk").values_list("pk", flat=True).first()
    if pk is None:  # the first_community migration always makes one; a database emptied since gets it back
        from communities.defaults import first_community_fields

        pk = Community.objects.create(**first_community_fields()).pk
    return pk


def assign_first_community(apps: Any, schema_editor: Any) -> None:
    first = _first_community_id(apps)
    for name in ("BankFile", "PayoutBatch"):
        apps.get_model("treasury", name).objects.filter(community__isnull=True).update(community_id=first)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0002_first_community"),
        ("pools", "0013_pool_community"),
        ("treasury", "0008_receiver_swish_audit"),
    ]

    operations = [
        # Backwards, the rebuilt tables lose their triggers: install them again last.
        migrations.RunPython(migrations.RunPython.noop, triggers_install, elidable=False),
        migrations.AddField(
            model_name="auditevent",
            name="community",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="communities.community",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["community", "-at"], name="auditevent_community_at_idx"),
        ),
        migrations.AddField(
            model_name="bankfile",
            name="community",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bank_files",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.AddField(
            model_name="payoutbatch",
            name="community",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payout_batches",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.RunPython(assign_first_community, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="bankfile",
            name="community",
            field=models.ForeignKey(
                default=communities.selectors.default_community_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bank_files",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.AlterField(
            model_name="payoutbatch",
            name="community",
            field=models.ForeignKey(
                default=communities.selectors.default_community_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payout_batches",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.RunPython(triggers_install, migrations.RunPython.noop, elidable=False),
    ]
