"""The sender of a community's mail: its own name on the platform's address, replies to its contact.

Every mail about one community's pool, fair or fund (receipts, reminders, fair notices, fund reminders,
Swish-number notices, a yearly statement covering only that community) is sent as the community: its name
as the display name of the platform's address, its contact address as Reply-To, and its name, bankgiro and
contact at the foot of the body (emails/_community_contact.txt/.html). A saver's yearly statement that spans
several communities comes from the platform sender and lists each community in its own section instead.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from communities.models import Community


def sender_address(name: str) -> str:
    """DEFAULT_FROM_EMAIL's address shown with the community's name (the platform's name when empty)."""
    display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    shown = "".join(ch for ch in (name or display) if ch not in '"\\\r\n<>').strip()
    return f'"{shown}" <{address}>' if shown else address


def reply_to(email: str) -> list[str]:
    """Reply-To for a community's mail: its contact address, or none (replies go to the sender)."""
    return [email] if email else []


def community_sender(community: Community | None) -> dict[str, object]:
    """EmailMessage keyword arguments for a mail sent as `community` (the platform sender when None)."""
    if community is None:
        return {"from_email": settings.DEFAULT_FROM_EMAIL, "reply_to": []}
    return {"from_email": sender_address(community.sender_name), "reply_to": community.reply_to}
