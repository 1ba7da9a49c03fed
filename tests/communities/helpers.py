"""Small helpers for tests that touch a community's settings."""

from __future__ import annotations

from accounts.identity import normalize_swish_number
from communities.models import Community
from communities.selectors import default_community_id


def set_community_swish(number: str) -> None:
    """The default community's Swish number (the fallback receiver on pay-by-scan pages and QR codes)."""
    Community.objects.filter(pk=default_community_id()).update(swish_number=normalize_swish_number(number))
