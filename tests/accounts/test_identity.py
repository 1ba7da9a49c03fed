import pytest
from django.core.exceptions import ValidationError

from accounts.identity import (
    mask_personnummer,
    normalize_personnummer,
    validate_giro_number,
    validate_organisationsnummer,
)


def test_personnummer_is_normalized_to_12_digits():
    assert normalize_personnummer("811228-9874") == "198112289874"
    assert normalize_personnummer("198112289874") == "198112289874"


def test_samordningsnummer_is_accepted():
    assert normalize_personnummer("701063-2391") == "197010632391"


@pytest.mark.parametrize("bad", ["811228-9875", "abc", "19811228987", "' OR 1=1 --"])
def test_invalid_personnummer_is_refused(bad):
    with pytest.raises(ValidationError):
        normalize_personnummer(bad)


def test_personnummer_is_shown_masked():
    assert mask_personnummer("198112289874") == "19811228-****"


def test_organisation_number_uses_luhn():
    validate_organisationsnummer("556036-0793")
    with pytest.raises(ValidationError):
        validate_organisationsnummer("556036-0794")


def test_bankgiro_number_uses_luhn():
    validate_giro_number("5050-1055")
    with pytest.raises(ValidationError):
        validate_giro_number("5050-1056")
