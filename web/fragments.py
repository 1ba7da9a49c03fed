"""Rendered fragments kept in each web process, keyed by everything they show.

A list page renders the same pool card or pledge row for every request until one of its figures changes, and
Django's template engine spends far longer on 24 cards (includes, translations, filters, URL reversing) than the
database spends finding them. `fragment(template_name, values)` renders a small template from *plain values only*
(str, int, Decimal, date, bool, None, and dicts, lists or tuples of them — never a model instance or a queryset)
and keeps the HTML in a per-process LRU.

The key is the template's name, the active language and the values themselves, so the cache is content-addressed:
a changed title, total, status or day count is a different key, nothing is ever invalidated and nothing stale can
be shown. That is also why it is per process, not in Redis: any process may render any fragment again at any time,
and a network round trip per card would cost about what rendering it does. The values must hold everything the
template reads (a value left out would render empty): tests/web/test_fragments.py renders each fragment from its
values and from the model objects and compares the HTML.

Off when settings.DEBUG is on, so an edited template shows at once in development. FRAGMENT_CACHE_SIZE (setting,
default 4096 fragments, about 6 MB) bounds the memory.

`page_with_csrf(request, name, values, produce)` keeps a whole page the same way (a pool page as visitors see it):
the page is rendered with slots where the CSRF token goes (`CSRF_SLOTS` in its context: the site header and
`{% csrf_value %}` write them), and each request's own token is put in the slots on the way out. A page whose HTML
carries a real token anyway (a `{% csrf_token %}` the slots do not cover) is never kept: it is sent as rendered,
since keeping it would hand one visitor's token to the next.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

# Slots for the CSRF token in kept HTML. Escaped text can never contain "<!--", so no value shown on a page can
# pose as a slot; both are filled in before the response leaves.
CSRF_SLOT = SafeString("<!--csrf-->")  # the hidden input {% csrf_token %} renders
CSRF_VALUE_SLOT = SafeString("<!--csrf-value-->")  # the bare token (htmx's header)
CSRF_SLOTS = "csrf_slots"  # context flag: render slots, not this request's token
_REAL_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"<]|"X-CSRFToken": "[^"<]')

_lock = threading.Lock()
_cache: OrderedDict[Hashable, SafeString] = OrderedDict()
stats = {"hits": 0, "misses": 0}


def _frozen(value: Any) -> Hashable:
    """A hashable copy of plain values that tells apart what renders differently: a SafeString from a str, True from
    1, Decimal("1.50") from Decimal("1.5"). Anything else (a model, a lazy translation) is refused: it could hide
    state the key does not see. Dicts keep their order (the builders write them in a fixed one)."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is dict:
        return tuple((key, _frozen(item)) for key, item in value.items())
    if kind is SafeString:
        return ("safe", str(value))
    if kind is bool:
        return ("bool", value)
    if kind is Decimal or kind is date or kind is datetime or kind is float:
        return (kind.__name__, str(value))
    if kind is list or kind is tuple:
        return ("seq", tuple(_frozen(item) for item in value))
    raise TypeError(f"fragment values must be plain values, not {kind.__name__}")


def fragment(template_name: str, values: Mapping[str, Any]) -> SafeString:
    """The template rendered with `values`, from the process's cache when the same values were rendered before."""
    return rendered(template_name, values, lambda: render_to_string(template_name, dict(values)))


def rendered(name: str, values: Mapping[str, Any], produce: Callable[[], str]) -> SafeString:
    """What `produce()` renders, kept under `name` and `values`: for HTML that is not one template of plain values
    (a form's widgets). `produce` must depend on nothing but `values` and the active language."""
    if settings.DEBUG:
        return mark_safe(produce())  # noqa: S308 - rendered by the template engine, which escaped it
    key = (name, translation.get_language(), _frozen(values))
    with _lock:
        html = _cache.get(key)
        if html is not None:
            _cache.move_to_end(key)
            stats["hits"] += 1
            return html
    html = mark_safe(produce())  # noqa: S308 - rendered by the template engine, which escaped it
    with _lock:
        stats["misses"] += 1
        _cache[key] = html
        size = settings.FRAGMENT_CACHE_SIZE
        while len(_cache) > size:
            _cache.popitem(last=False)
    return html


class _CarriesToken(Exception):
    """The page rendered a real CSRF token outside the slots: it must not be kept."""

    def __init__(self, html: str) -> None:
        super().__init__("a page kept for visitors rendered a CSRF token outside its slots")
        self.html = html


def page_with_csrf(
    request: HttpRequest, name: str, values: Mapping[str, Any], produce: Callable[[], str]
) -> SafeString:
    """A whole page kept under `name` and `values`, with this request's CSRF token in its slots. `produce` renders
    the page with `CSRF_SLOTS` set in its context and must depend on nothing but `values` and the language."""

    def checked() -> str:
        html = produce()
        if _REAL_TOKEN.search(html):
            raise _CarriesToken(html)
        return html

    try:
        html = rendered(name, values, checked)
    except _CarriesToken as refused:
        logger.warning("%s: not kept, it carries a CSRF token outside the slots", name)
        # Sent as rendered would show the slots: fill them like any other page.
        html = mark_safe(refused.html)  # noqa: S308 - rendered by the template engine, which escaped it
    token = get_token(request)
    csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    return mark_safe(html.replace(CSRF_SLOT, csrf_input).replace(CSRF_VALUE_SLOT, token))  # noqa: S308 - the token


def clear() -> None:
    """Forget every fragment (tests)."""
    with _lock:
        _cache.clear()
        stats.update(hits=0, misses=0)
