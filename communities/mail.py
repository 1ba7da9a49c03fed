"""The sender of a community's mail: its own name on the platform's address, replies to its contact."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings


def sender_address(name: str) -> str:
    """DEFAULT_FROM_EMAIL's address shown with the community's name (the platform's name when empty)."""
    display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    shown = "".join(ch for ch in (name or display) if ch not in '"\\\r\n<>').strip()
    return f'"{shown}" <{address}>' if shown else address


def reply_to(email: str) -> list[str]:
    """Reply-To for a community's mail: its contact address, or none (replies go to the sender)."""
    return [email] if email else []
