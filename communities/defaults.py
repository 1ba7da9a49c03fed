"""The first community's values, from the settings that held the single association's accounts before
communities existed. Used by the first_community data migration and when a fresh database has none yet.
Plain values only (no models), so a migration can use it with its historical model."""

from __future__ import annotations

from django.conf import settings
from django.utils.text import slugify


def first_community_fields() -> dict[str, str]:
    name = (settings.TREASURY_DEBTOR_NAME or "Lokalkapital").strip()[:200]
    return {
        "name": name,
        "slug": (slugify(name)[:80] or "lokalkapital").strip("-") or "lokalkapital",
        "payout_bankgiro": settings.TREASURY_DEBTOR_BANKGIRO,
        "payout_bic": (settings.TREASURY_DEBTOR_BIC or "").upper(),
        "swish_number": "".join(ch for ch in settings.ASSOCIATION_SWISH_NUMBER if ch.isdigit()),
        "default_language": settings.LANGUAGE_CODE,
    }
