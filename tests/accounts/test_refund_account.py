"""A saver's refund account: a Swedish IBAN, checked by python-stdnum, exported and erased with the profile."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.errors import RefundAccountInvalid
from accounts.identity import format_iban, normalize_swedish_iban, validate_refund_iban
from accounts.models import User
from accounts.services import user_set_refund_iban
from people.erasure import user_erase
from people.export import user_data_export, user_data_export_csv_rows

VALID = "SE4550000000058398257466"

# (input, error code): every way a refund account can be wrong.
BAD = [
    ("SE4550000000058398257467", "invalid_checksum"),  # last digit mistyped
    ("SE5450000000058398257466", "invalid_checksum"),  # check digits swapped
    ("GB82WEST12345698765432", "not_swedish"),  # a valid British IBAN
    ("FI2112345600000785", "not_swedish"),  # a valid Finnish IBAN
    ("NO9386011117947", "not_swedish"),
    ("SE455000000005839825746", "invalid_length"),  # one digit short
    ("SE45500000000583982574661", "invalid_length"),  # one digit too many
    ("SE45AB00000058398257466X", "invalid_length"),
    ("SE", "invalid_length"),
    ("8327-9 123 456 789-0", "not_iban"),  # a clearing and account number: not accepted
    ("8327-9, 123 456 789-0", "invalid"),
    ("S" * 10_000, "max_length"),
    ("SE45" + "5" * 9_996, "max_length"),
    ("SE45 5000 0000 0583 9825 7466'; DROP TABLE accounts_user; --", "invalid"),
    ("' OR 1=1 --", "invalid"),
    ("<script>alert(1)</script>", "invalid"),
    ('SE45"><img src=x onerror=alert(1)>', "invalid"),
    ("SE45\x005000000058398257466", "invalid"),
    ("SE４550000000058398257466", "invalid"),  # a full-width digit
    ("ſE4550000000058398257466", "invalid"),  # a letter that upper-cases to S
]


@pytest.mark.parametrize(
    "text",
    [
        VALID,
        "SE45 5000 0000 0583 9825 7466",
        "se4550000000058398257466",
        "  se45 5000 0000 0583 9825 7466  ",
        "SE45-5000-0000-0583-9825-7466",
    ],
)
def test_a_swedish_iban_is_accepted_in_the_ways_people_write_it(text):
    assert normalize_swedish_iban(text) == VALID


def test_empty_means_no_account():
    assert normalize_swedish_iban("") == "" and normalize_swedish_iban("   ") == ""


@pytest.mark.parametrize(("text", "code"), BAD)
def test_wrong_ibans_are_refused_with_a_reason(text, code):
    with pytest.raises(ValidationError) as refused:
        normalize_swedish_iban(text)
    assert refused.value.code == code
    assert refused.value.messages[0]


def test_model_validator_wants_the_compact_form():
    validate_refund_iban(VALID)
    validate_refund_iban("")
    with pytest.raises(ValidationError):
        validate_refund_iban("SE45 5000 0000 0583 9825 7466")


def test_format_iban_groups_by_four():
    assert format_iban(VALID) == "SE45 5000 0000 0583 9825 7466"


@pytest.mark.django_db
def test_service_stores_the_compact_form_and_empty_removes_it(saver):
    user_set_refund_iban(user=saver, iban="se45 5000 0000 0583 9825 7466")
    assert User.objects.get(pk=saver.pk).refund_iban == VALID
    user_set_refund_iban(user=saver, iban="")
    assert User.objects.get(pk=saver.pk).refund_iban == ""


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "code"), BAD[:4] + BAD[10:14])
def test_service_refuses_wrong_ibans_and_writes_nothing(saver, text, code):
    user_set_refund_iban(user=saver, iban=VALID)
    with pytest.raises(RefundAccountInvalid) as refused:
        user_set_refund_iban(user=saver, iban=text)
    assert refused.value.field == "refund_iban" and refused.value.status == 400
    assert User.objects.get(pk=saver.pk).refund_iban == VALID


@pytest.mark.django_db
@pytest.mark.parametrize("value", [None, 4550000000058398257466, ["SE4550000000058398257466"]])
def test_service_refuses_what_is_not_text(saver, value):
    with pytest.raises(RefundAccountInvalid):
        user_set_refund_iban(user=saver, iban=value)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["SE45 5000 0000 0583 9825 7466", "GB82WEST12345698765432", "SE123"])
def test_database_refuses_anything_but_se_and_22_digits(saver, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=saver.pk).update(refund_iban=value)


@pytest.mark.django_db
def test_data_export_includes_the_refund_account(saver):
    user_set_refund_iban(user=saver, iban=VALID)
    assert user_data_export(user=saver)["profile"]["refund_iban"] == VALID
    assert ["profile", "refund_iban", VALID] in user_data_export_csv_rows(user=saver)


@pytest.mark.django_db
def test_erasure_removes_the_refund_account(saver):
    user_set_refund_iban(user=saver, iban=VALID)
    user_erase(user=saver, reason="flyttar")
    saver.refresh_from_db()
    assert saver.refund_iban == ""
    assert not User.objects.filter(refund_iban=VALID).exists()
