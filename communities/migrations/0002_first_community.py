"""The first community: made from the settings that held the single association's accounts
(TREASURY_DEBTOR_NAME, TREASURY_DEBTOR_BANKGIRO, TREASURY_DEBTOR_BIC, ASSOCIATION_SWISH_NUMBER), and the
people holding today's global treasurer, organiser and fund-manager powers become its members.
The owned rows (projects, pools, funds, fairs, bank files, payout lists) are assigned to it by each
app's own community migration, which depends on this one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations

# membership role -> the global permissions ("app_label.codename") that made someone hold it before
POWERS = {
    "treasurer": ("pools.manage_payments", "pools.approve_payouts", "pools.view_reports"),
    "organiser": ("invest.manage_fairs", "pools.manage_pools"),
    "fund_manager": ("invest.manage_funds",),
}
GROUPS = {"treasurer": ("treasurer",), "organiser": ("organiser",), "fund_manager": ("organiser",)}


def create_first_community(apps: Any, schema_editor: Any) -> None:
    from communities.defaults import first_community_fields

    Community = apps.get_model("communities", "Community")
    if Community.objects.exists():
        return
    fields = first_community_fields()
    Community.objects.create(**fields)


def grant_first_memberships(apps: Any, schema_editor: Any) -> None:
    """Holders of a global power (through a role group or a direct permission) become members of the first
    community with the matching role; superusers are platform staff and need none."""
    from django.db.models import Q

    Community = apps.get_model("communities", "Community")
    Membership = apps.get_model("communities", "CommunityMembership")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    first = Community.objects.order_by("pk").first()
    if first is None:
        return
    rows = []
    for role, perms in POWERS.items():
        by_perm = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            by_perm |= Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
            by_perm |= Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
        user_ids = set(
            User.objects.filter(by_perm | Q(groups__name__in=GROUPS[role])).values_list("pk", flat=True).distinct()
        )
        rows += [Membership(user_id=pk, community_id=first.pk, role=role) for pk in sorted(user_ids)]
    Membership.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0001_initial"),
        ("accounts", "0003_pagessavers_pending_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_first_community, migrations.RunPython.noop),
        migrations.RunPython(grant_first_memberships, migrations.RunPython.noop),
    ]
