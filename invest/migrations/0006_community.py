"""Every project, micro-fund and fair belongs to one community: today's rows go to the first one.\n\nSQLite rebuilds invest_project and invest_microfund to make the column NOT NULL, which drops their\nSwish-number audit triggers: they are installed again at the end."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import communities.selectors
from treasury.audit import receiver_swish_trigger_install


def _first_community_id(apps: Any) -> int:
    Community = apps.get_model("communities", "Community")
    pk = Community.objects.order_by("pk").values_list("pk", flat=True).first()
    if pk is None:  # the first_community migration always makes one; a database emptied since gets it back
        from communities.defaults import first_community_fields

        pk = Community.objects.create(**first_community_fields()).pk
    return pk


def assign_first_community(apps: Any, schema_editor: Any) -> None:
    first = _first_community_id(apps)
    for name in ("Project", "MicroFund", "Fair"):
        apps.get_model("invest", name).objects.filter(community__isnull=True).update(community_id=first)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0002_first_community"),
        ("invest", "0005_merge_20261206_0504"),
        ("treasury", "0008_receiver_swish_audit"),
    ]

    operations = [
        # Backwards, SQLite rebuilds the tables and loses their triggers: install them again last.
        migrations.RunPython(migrations.RunPython.noop, receiver_swish_trigger_install, elidable=False),
        migrations.AddField(
            model_name="project",
            name="community",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="projects",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.AddField(
            model_name="microfund",
            name="community",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="funds",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.AddField(
            model_name="fair",
            name="community",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="fairs",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.RunPython(assign_first_community, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="project",
            name="community",
            field=models.ForeignKey(
                default=communities.selectors.default_community_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="projects",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.AlterField(
            model_name="microfund",
            name="community",
            field=models.ForeignKey(
                default=communities.selectors.default_community_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="funds",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.AlterField(
            model_name="fair",
            name="community",
            field=models.ForeignKey(
                default=communities.selectors.default_community_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="fairs",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.RunPython(receiver_swish_trigger_install, migrations.RunPython.noop, elidable=False),
    ]
