"""The treasury report tabs with names in the reader's language (the report kinds are codes in URLs)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from treasury.reports import REPORT_KINDS

REPORT_LABELS = {
    "overview": _("Overview"),
    "pools": _("Pools"),
    "pool": _("One pool"),
    "savers": _("Savers"),
    "fairs": _("Fairs"),
    "funds": _("Funds"),
    "pledges": _("Pledges"),
    "ledger": _("Ledger"),
}


def report_tabs() -> list[tuple[str, str]]:
    """(kind, label) for every report with a tab of its own; one pool's report is reached from the pools list."""
    return [(kind, str(REPORT_LABELS.get(kind, kind))) for kind in REPORT_KINDS if kind != "pool"]
