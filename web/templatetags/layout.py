"""The site header of every page (web/base.html) and other page furniture, rendered through the fragment cache
(web/fragments.py).

`{% site_header %}` builds the plain values web/_site_header.html reads (the language, who is signed in and which
role links they see, the community chooser's choices, the page's path for the forms' `next`) and renders it once
per distinct set of values. The header's forms need the request's CSRF token, which differs per request: the
fragment holds a slot where the token goes, filled in after the cache (the same input Django's {% csrf_token %}
renders, with this request's token).

`{% kept "treasury/_nav.html" %}` (or with plain values:
`{% kept "treasury/_report_tabs.html" kinds=kinds kind=kind %}`) is an include through the same cache, for a
template that reads nothing but those values and the language (no request, no user, no CSRF token).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from communities.selectors import working_community_names
from web.fragments import CSRF_SLOT, CSRF_SLOTS, CSRF_VALUE_SLOT, fragment

register = template.Library()

SITE_HEADER = "web/_site_header.html"


def site_header_values(context: Any) -> dict[str, Any]:
    """Everything web/_site_header.html reads, as plain values (tests/web/test_fragments.py checks them)."""
    request = context.get("request")
    user = context.get("user")
    values: dict[str, Any] = {
        "LANG": translation.get_language(),
        "full_path": request.get_full_path() if request is not None else "",
        "csrf": CSRF_SLOT,
        "user": {"is_authenticated": False},
        "chooser": None,
        "working_community_id": None,
    }
    if user is None or not user.is_authenticated:
        return values
    # user.has_role caches the user's groups on the request's user: one query per page at most.
    is_treasurer, is_organiser = user.is_treasurer, user.is_organiser
    values["user"] = {
        "is_authenticated": True,
        "is_project_owner": user.is_project_owner,
        "is_organiser": is_organiser,
        "is_treasurer": is_treasurer,
        "is_staff": bool(user.is_staff),
        "display_name": user.display_name,
    }
    if user.is_staff or is_treasurer or is_organiser:
        # The chooser shows when there are two or more communities to choose among (read only for these roles).
        choices = working_community_names(user=user)
        if len(choices) > 1:
            values["chooser"] = choices
            values["working_community_id"] = context.get("working_community_id")
    return values


@register.simple_tag(takes_context=True)
def site_header(context: Any) -> SafeString:
    html = fragment(SITE_HEADER, site_header_values(context))
    if context.get(CSRF_SLOTS):  # a whole page kept for visitors (web/fragments.py): the slot stays
        return html
    csrf_input = CsrfTokenNode().render(context)  # this request's token (empty without one, as {% csrf_token %})
    return mark_safe(html.replace(CSRF_SLOT, csrf_input))  # noqa: S308 - the token input Django renders itself


@register.simple_tag(takes_context=True)
def csrf_value(context: Any) -> str:
    """The request's CSRF token as a value (htmx's header on <body>), or its slot in a page kept for visitors."""
    if context.get(CSRF_SLOTS):
        return CSRF_VALUE_SLOT
    token = context.get("csrf_token")
    return "" if not token or token == "NOTPROVIDED" else str(token)  # noqa: S105 - Django's "no token" marker


@register.simple_tag
def kept(template_name: str, **values: Any) -> SafeString:
    return fragment(template_name, values)
