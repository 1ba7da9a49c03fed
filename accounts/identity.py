"""Swedish identity numbers: validated by libraries, never used as keys, shown masked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from personnummer import personnummer as personnummer_lib
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr


def normalize_personnummer(value: str) -> str:
    """Return the 12-digit form of a personnummer or samordningsnummer; raise ValidationError."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        parsed = personnummer_lib.Personnummer(raw)
    except (personnummer_lib.PersonnummerException, ValueError, TypeError) as exc:
        raise ValidationError(_("Not a valid personal identity number."), code="invalid") from exc
    return str(parsed.format(True))


def validate_personnummer(value: str) -> None:
    if value and normalize_personnummer(value) != value:
        raise ValidationError(_("Give the personal identity number as 12 digits."), code="invalid")


def mask_personnummer(value: str) -> str:
    """19850312-****: birth date kept, last four digits hidden."""
    if not value:
        return ""
    return f"{value[:8]}-****"


def validate_organisationsnummer(value: str) -> None:
    if value and not orgnr.is_valid(value):
        raise ValidationError(_("Not a valid organisation number."), code="invalid")


def normalize_organisationsnummer(value: str) -> str:
    try:
        return orgnr.format(orgnr.validate(value))
    except StdnumError as exc:
        raise ValidationError(_("Not a valid organisation number."), code="invalid") from exc


def validate_giro_number(value: str) -> None:
    """Bankgiro (7-8 digits) and plusgiro (2-8 digits) numbers end in a Luhn check digit."""
    digits = (value or "").replace("-", "").replace(" ", "")
    if not digits:
        return
    if not digits.isdigit() or not 2 <= len(digits) <= 8 or not luhn.is_valid(digits):
        raise ValidationError(_("Not a valid bankgiro or plusgiro number."), code="invalid")
