"""Swedish identity numbers: validated by libraries, never used as keys, shown masked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from personnummer import personnummer as personnummer_lib
from stdnum import iban, luhn
from stdnum.exceptions import InvalidChecksum
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


def validate_giro_number(value: str) -> None:
    """Bankgiro (7-8 digits) and plusgiro (2-8 digits) numbers end in a Luhn check digit."""
    digits = (value or "").replace("-", "").replace(" ", "")
    if not digits:
        return
    if not digits.isdigit() or not 2 <= len(digits) <= 8 or not luhn.is_valid(digits):
        raise ValidationError(_("Not a valid bankgiro or plusgiro number."), code="invalid")


def normalize_swish_number(value: str) -> str:
    """A Swish number with the spaces and dashes people type removed."""
    return "".join(ch for ch in (value or "") if ch not in " -\u00a0")


def validate_swish_number(value: str) -> None:
    """A Swish number for organisations (Swish Företag/Handel): 123 followed by seven digits."""
    digits = normalize_swish_number(value)
    if not digits:
        return
    if not (digits.isascii() and digits.isdigit() and len(digits) == 10 and digits.startswith("123")):
        raise ValidationError(_("Not a valid Swish number: 123 followed by seven digits."), code="invalid")


# A refund account: a Swedish IBAN only. A clearing and account number is not accepted: no
# well-maintained library checks Swedish account numbers bank by bank (python-stdnum has none),
# and a bank order needs an IBAN anyway.
SWEDISH_IBAN_LENGTH = 24
IBAN_INPUT_MAX_LENGTH = 64  # room for spaces between the groups; anything longer is refused unread
IBAN_TOO_LONG = _("Too long: a Swedish IBAN has 24 characters (SE and 22 digits).")


def normalize_swedish_iban(value: str) -> str:
    """Return a Swedish IBAN in its compact form (SE and 22 digits), or "" for an empty value.

    Spaces, dashes and lower case are accepted; the check digits are verified by python-stdnum.
    Raises ValidationError with a message that says what is wrong."""
    raw = (value or "").strip()
    if not raw:
        return ""
    if len(raw) > IBAN_INPUT_MAX_LENGTH:
        raise ValidationError(IBAN_TOO_LONG, code="max_length")
    compact = iban.compact(raw) if raw.isascii() else raw
    if not compact.isascii() or not compact.isalnum():
        raise ValidationError(_("An IBAN has only letters, digits and spaces."), code="invalid")
    if compact.isdigit():
        raise ValidationError(
            _(
                "This looks like a clearing and account number, which is not accepted here. Give the account's "
                "IBAN instead (SE followed by 22 digits): your internet bank shows it."
            ),
            code="not_iban",
        )
    if not compact.startswith("SE"):
        raise ValidationError(_("Give a Swedish IBAN: it starts with SE."), code="not_swedish")
    if len(compact) != SWEDISH_IBAN_LENGTH or not compact[2:].isdigit():
        raise ValidationError(_("A Swedish IBAN is SE followed by 22 digits."), code="invalid_length")
    try:
        return str(iban.validate(compact))
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The IBAN's check digits do not match: look for a mistyped digit."), code="invalid_checksum"
        ) from exc
    except StdnumError as exc:
        raise ValidationError(_("Not a valid IBAN."), code="invalid") from exc


def validate_refund_iban(value: str) -> None:
    """Model validator: empty, or a Swedish IBAN already in compact form."""
    if value and normalize_swedish_iban(value) != value:
        raise ValidationError(_("Give the IBAN as SE followed by 22 digits, without spaces."), code="invalid")


def format_iban(value: str) -> str:
    """An IBAN in groups of four for reading: SE45 5000 0000 0583 9825 7466."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
