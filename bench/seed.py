"""Seed pieces the raw-SQL bench seeds share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

# Projects, funds and pools need a community. A migrated database has one (the data migration's). A flushed test
# database has none, and then the seed adds one.
_COMMUNITY_SQL = """
INSERT INTO communities_community (name, slug, kind, organisation_number, bankgiro, plusgiro, iban, swish_number,
                                   payout_bankgiro, payout_bic, default_language, contact_name, contact_email,
                                   contact_phone, municipality, region, logo, colour, created_at)
SELECT 'Bench', 'bench', 'village', '', '', '', '', '', '', '', 'sv', '', '', '', '', '', '', '#2f6f4e', now()
WHERE NOT EXISTS (SELECT 1 FROM communities_community)
"""


def ensure_community(cursor: CursorWrapper) -> None:
    """Add the bench community when the database has none; the seeds then use the lowest community id."""
    cursor.execute(_COMMUNITY_SQL)
