"""A JSON parser that refuses hostile bodies with 400 instead of crashing.

The standard library parser recurses once per nesting level, so a couple of kilobytes of
`[[[[...` end in a RecursionError (a 500) before any view runs. It also accepts what JSON
does not allow (NaN, Infinity), silently keeps the last of duplicate keys, and turns a
hundred-thousand-digit number into a slow int. This parser answers all of those with
DRF's ParseError, the same 400 `{"detail": ..., "code": "parse_error"}` a malformed body gets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of ours nests deeper than a few levels; 32 leaves room and stays far below the
# interpreter's recursion limit.
DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_NUMBER_DIGITS = 40


class _Refused(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _Refused(_("NaN and Infinity are not JSON numbers."))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(_("A key appears twice in one object: %(key)s") % {"key": key[:40]})
        result[key] = value
    return result


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > getattr(settings, "API_JSON_MAX_NUMBER_DIGITS", DEFAULT_MAX_NUMBER_DIGITS):
        raise _Refused(_("A number in the request has too many digits."))
    return int(text)


def _bounded_decimal(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, read exactly (amounts never pass through float)."""
    if len(text) > getattr(settings, "API_JSON_MAX_NUMBER_DIGITS", DEFAULT_MAX_NUMBER_DIGITS):
        raise _Refused(_("A number in the request has too many digits."))
    value = Decimal(text)
    if abs(value.adjusted()) > 308:  # beyond what any field here takes (and beyond a double's range)
        raise _Refused(_("A number in the request is out of range."))
    return value


def json_depth_within(text: str, limit: int) -> bool:
    """True when no array or object in the JSON text nests deeper than `limit` (strings skipped)."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def loads_strict(raw: bytes) -> Any:
    """Parse a JSON body strictly. Raises ParseError on anything a hostile client could abuse."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(_("The request body is not valid UTF-8."), code="parse_error") from exc
    limit = getattr(settings, "API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)
    # The scan is cheap only when there are brackets to count; a body with fewer brackets than
    # the limit cannot nest too deep.
    if text.count("[") + text.count("{") > limit and not json_depth_within(text, limit):
        raise ParseError(_("The request nests too deeply."), code="parse_error")
    try:
        return json.loads(
            text,
            parse_constant=_refuse_constant,
            object_pairs_hook=_no_duplicate_keys,
            parse_int=_bounded_int,
            parse_float=_bounded_decimal,
        )
    except _Refused as exc:
        raise ParseError(str(exc), code="parse_error") from exc
    except (ValueError, RecursionError) as exc:
        raise ParseError(_("The request body is not valid JSON."), code="parse_error") from exc


class StrictJSONParser(JSONParser):
    """DRF's JSON parser with bounded nesting, no NaN, no duplicate keys and bounded numbers."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        raw = stream.read() if stream is not None else b""
        return loads_strict(raw)
