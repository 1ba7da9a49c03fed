"""Every pool belongs to its project's (or micro-fund's) community; a pool with neither goes to the first.\n\nSQLite rebuilds pools_pool, which drops its audit triggers: they are installed again at the end."""

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


def assign_pool_communities(apps: Any, schema_editor: Any) -> None:
    Pool = apps.get_model("pools", "Pool")
    Project = apps.get_model("invest", "Project")
    MicroFund = apps.get_model("invest", "MicroFund")
    first = _first_community_id(apps)
    for community_id in Project.objects.values_list("community_id", flat=True).distinct():
        Pool.objects.filter(community__isnull=True, project__community_id=community_id).update(
            community_id=community_id
        )
    for community_id in MicroFund.objects.values_list("community_id", flat=True).distinct():
        Pool.objects.filter(community__isnull=True, micro_fund__community_id=community_id).update(
            community_id=community_id
        )
    Pool.objects.filter(community__isnull=True).update(community_id=first)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0002_first_community"),
        ("invest", "0006_community"),
        ("pools", "0012_offers_pledge_interest"),
        ("treasury", "0008_receiver_swish_audit"),
    ]

    operations = [
        # Backwards, SQLite rebuilds pools_pool and loses its triggers: install them again last.
        migrations.RunPython(migrations.RunPython.noop, triggers_install, elidable=False),
        migrations.AddField(
            model_name="pool",
            name="community",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="pools",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.RunPython(assign_pool_communities, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="pool",
            name="community",
            field=models.ForeignKey(
                default=communities.selectors.default_community_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="pools",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.RunPython(triggers_install, migrations.RunPython.noop, elidable=False),
    ]
