"""The four roles and the permissions each one grants, as data.

Groups are synced from this table after every migrate (accounts.services.roles_sync).
Later capabilities add their permission codenames here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SAVER = "saver", _("Saver")
    PROJECT_OWNER = "project_owner", _("Project owner")
    TREASURER = "treasurer", _("Treasurer")
    ORGANISER = "organiser", _("Organiser")


# "app_label.codename" for each role. Savers and owners act on their own objects;
# what they may touch is decided by selectors scoped to the user, not by these.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SAVER: [],
    Role.PROJECT_OWNER: [
        "invest.add_project",
    ],
    Role.TREASURER: [
        "pools.view_reports",
        "pools.manage_payments",
        "pools.approve_payouts",
        "pools.view_pledge",
        "pools.view_payment",
        "pools.view_pool",
        "invest.view_project",
        "operations.view_jobrun",
        "pools.view_reminder",
        "operations.view_money_mail",
    ],
    Role.ORGANISER: [
        "pools.manage_pools",
        "invest.manage_projects",
        "invest.manage_funds",
        "invest.manage_fairs",
        "pools.view_pledge",
        "pools.view_pool",
        "invest.view_project",
        "operations.view_jobrun",
        "pools.view_reminder",
        "operations.view_fair_mail",
    ],
}
