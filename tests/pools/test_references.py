import pytest
from stdnum import luhn

from pools.references import InvalidReference, ocr_from_body, ocr_generate, ocr_is_valid, ocr_validate


def test_generated_reference_has_length_and_luhn_check_digit():
    for _ in range(200):
        reference = ocr_generate()
        assert reference.isdigit() and len(reference) == 12
        assert luhn.is_valid(reference)
        assert int(reference[-2]) == len(reference) % 10
        assert ocr_is_valid(reference)


def test_known_reference_from_body():
    # body 1234567890 + length digit 2 (12 digits) + Luhn over "12345678902"
    assert ocr_from_body("1234567890") == "1234567890" + "2" + luhn.calc_check_digit("12345678902")


@pytest.mark.parametrize("bad", ["", "1", "12345678901234567890123456", "12a4", "<script>", "1234567890 29"])
def test_invalid_references_are_refused(bad):
    assert not ocr_is_valid(bad)


def test_a_changed_digit_breaks_the_check():
    reference = ocr_generate()
    wrong = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    assert not ocr_is_valid(wrong)
    with pytest.raises(InvalidReference):
        ocr_validate(wrong)


def test_spaces_and_dashes_are_ignored():
    reference = ocr_generate()
    assert ocr_validate(f"{reference[:4]} {reference[4:8]}-{reference[8:]}") == reference
