"""Parser for Bankgirot's BgMax file (service "Bankgiro Inbetalningar").

Sources checked for the record layout
-------------------------------------
* Bankgirot, "Bankgiro Inbetalningar - Teknisk manual" / "Technical Manual"
  (Swedish edition Aug 2015, English edition Nov 2019; copies indexed at
  docplayer.se/661720 and documents.pub).  Only the table of contents
  (record list TK01, 05, 20-29, 15, 70) could be read there, not the field
  tables.
* Bankgirot's own published example files ("BgMaxfil4" and "exempelfil avtal
  om OCR-kontroll, checksiffra, längd"), as reproduced in the test data of
  Zimpler/bankgiro_inbetalningar and rickardlindgren/BgMax.  Every position
  below was checked by slicing those example records, and every count/sum
  rule below holds in them.
* Field layouts in open-source parsers written against the manual:
  jonpetterbergman/bgmax (Haskell), notima/bankgiro-api (Java),
  richardolsson/pybgmax (Python).

Record layout (positions 1-based and inclusive, records 80 characters)
----------------------------------------------------------------------
TK01 start    3-22 layout name "BGMAX", 23-24 version "01",
              25-44 timestamp YYYYMMDDHHMMSSffffff, 45 "T" test / "P" production
TK05 opening  3-12 payee bankgiro, 13-22 payee plusgiro, 23-25 currency
TK20 payment  3-12 payer bankgiro (zeros when not given), 13-37 reference, 38-55 amount in öre,
              56 reference code, 57 payment channel, 58-69 BGC serial number,
              70 image mark
TK21 deduction  as TK20, plus 71 deduction code
TK22/TK23 extra reference (TK23 = negative amount)  as TK20
TK25 information text 3-52
TK26 name 3-37, extra name 38-72
TK27 address 3-37, postcode 38-46
TK28 town 3-37, country 38-72, country code 73-74
TK29 organisation number 3-14
TK15 deposit  3-37 receiving bank account, 38-45 payment date YYYYMMDD,
              46-50 deposit serial, 51-68 deposit amount in öre,
              69-71 currency, 72-79 number of payments, 80 deposit type
TK70 end      3-10 number of TK20, 11-18 number of TK21,
              19-26 number of TK22+TK23, 27-34 number of TK15

Reference codes: 0/1 no reference, 2 correct OCR reference, 3 one or more
references (free text), 4 one reference (free text), 5 incorrect reference.
Only code 2 gives a ``reference``; all other text stays in ``raw``.
A non-zero payer bankgiro (TK20/TK21 positions 3-12) becomes ``payer_account``
as ``"bankgiro 1234-5678"``; a blank or non-numeric field is left out, not refused.

Rules enforced (any violation refuses the whole file)
-----------------------------------------------------
* Each line is at most 80 characters after removing CR/LF; shorter lines are
  right-padded with spaces (trailing blanks are often stripped in transit).
* The first record is TK01 with layout BGMAX version 01, the last is TK70.
* Sections are TK05, then TK20/TK21 each followed by its TK22-TK29 records,
  then TK15.  Name and address records belong to the preceding TK20/TK21.
* TK15 amount == sum(TK20) - sum(TK21) of its section, and TK15's "number of
  payments" == number of TK20 + TK21 records (Bankgirot's example file counts
  deductions here: 2 payments + 1 deduction -> 00000003).
* TK70 counts equal the records actually present.
* Currency is SEK everywhere; all sections are for the same payee bankgiro.
* Test files (TK01 mark "T") are refused unless ``allow_test_file=True``.

Character encoding
------------------
Bankgirot writes ISO-8859-1.  A file that only holds ASCII is read as such.  A
file whose non-ASCII bytes form valid UTF-8 (it was re-saved by an editor or a
mail program) is decoded as UTF-8, so "Åsa" stays "Åsa" rather than "Ã\x85sa":
Latin-1 text with letters such as å, ä, ö is practically never valid UTF-8.
Anything else is read as ISO-8859-1, except that the bytes 0x80-0x9F (control
characters in ISO-8859-1, letters in Windows-1252 or code page 850) refuse the
file with the byte and line named, as do UTF-16 files.

Identity
--------
``ParsedFile.identity`` is the TK01 timestamp, the payee bankgiro and each
deposit's date and serial number (TK15 positions 46-50): the same file sent
again with other line endings or trailing blanks has the same identity.
Each payment's ``entry_key`` is the payee bankgiro, the payment date and the
BGC serial number (positions 58-69), so a payment seen in an earlier file is
recognised.

Extra references (TK22/TK23)
----------------------------
Each carries its own amount (TK23 a negative one): ``reference_amounts`` holds
(reference, öre) in file order.  The TK20 amount is the whole payment.

Why one module of about 670 lines
---------------------------------
It is one record layout read in one streaming pass (after a first pass that only
decides the encoding and finds the deposit dates): the reader, the per-record field
parsers and the section checks share the layout table above and the refusal
texts, and each is only meaningful next to the others. Split off are the result
types (``types.py``) and nothing else would be reused; cutting the layout in two
would make each half harder to check against the manual.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from .types import BankFileError, EntryStream, ParsedFile, ParsedPayment, bankgiro_label, format_sek, is_ascii_digits

RECORD_LENGTH = 80
_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")
# C1 control bytes: no character in ISO-8859-1, but letters in Windows-1252 and code page 850.
_C1_RE = re.compile(b"[\x80-\x9f]")
CHANNEL = "bgmax"
OCR_REFERENCE_CODE = "2"
_REFUSED = "The file was refused; nothing was imported."


@dataclass(slots=True)
class _Entry:
    """A TK20 payment or TK21 deduction, collected with its follow-up records."""

    line_no: int
    deduction: bool
    amount_ore: int
    reference: str
    bank_reference: str
    lines: list[str]
    payer_bankgiro: str = ""
    reference_text: str = ""
    extra_references: list[str] = field(default_factory=list)
    reference_amounts: list[tuple[str, int]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    street: str = ""
    postcode: str = ""
    town: str = ""
    country: str = ""


@dataclass(slots=True)
class _Section:
    """Records between a TK05 opening record and its TK15 deposit record."""

    line_no: int
    payee_bankgiro: str
    paid_count: int = 0
    paid_ore: int = 0
    deducted_count: int = 0
    deducted_ore: int = 0

    def add(self, entry: _Entry) -> None:
        """Count an entry (entries themselves are handed out as they are read, not kept)."""
        if entry.deduction:
            self.deducted_count += 1
            self.deducted_ore += entry.amount_ore
        else:
            self.paid_count += 1
            self.paid_ore += entry.amount_ore


def parse_bgmax(data: bytes, *, allow_test_file: bool = False) -> ParsedFile:
    """Parse and validate a BgMax file given as raw bytes.

    Returns a ``ParsedFile`` whose ``payments`` are the TK20 records and
    ``deductions`` the TK21 records.  ``declared_count`` is TK70's number of
    TK20 records and ``declared_total_ore`` the sum of all TK15 deposits;
    ``computed_total_ore`` is payments minus deductions.
    Raises ``BankFileError`` if anything is malformed or does not add up.
    """
    stream = bgmax_stream(data, allow_test_file=allow_test_file)
    payments: list[ParsedPayment] = []
    deductions: list[ParsedPayment] = []
    for item in stream:
        (deductions if item.deduction else payments).append(item)
    assert stream.summary is not None  # set once every record is read
    return dataclasses.replace(stream.summary, payments=tuple(payments), deductions=tuple(deductions))


def bgmax_stream(data: bytes | IO[bytes], *, allow_test_file: bool = False) -> EntryStream:
    """The file's TK20 payments and TK21 deductions one at a time, in file order, each as soon as its
    records are read; ``summary`` once the end record is checked. ``data`` is the bytes or an open
    binary file, read line by line (twice: the encoding is decided on all of it), never held whole.
    Raises ``BankFileError`` (while iterating, as ``parse_bgmax`` does: entries before the fault have
    been handed out by then)."""
    stream = EntryStream(iter(()))
    stream.entries = _read(_split_records(data), allow_test_file, stream)
    return stream


def _section_dates(records: _Records) -> list[str]:
    """Each deposit record's (TK15) payment date field, in file order: an entry's booking date is its
    section's TK15 date, and entries are handed out before their section ends."""
    return [record[37:45] for record in records.deposits]


def _read(records: _Records, allow_test_file: bool, stream: EntryStream) -> Iterator[ParsedPayment]:
    first_line_no, first_record = records[0]
    created_at = _parse_start(first_line_no, first_record, allow_test_file)

    end_line_no, end_record = records[-1]
    if len(records) < 2 or end_record[:2] != "70":
        raise BankFileError(
            f"The last record (line {end_line_no}) is TK{end_record[:2]}, but a BgMax file "
            f"must end with an end record (TK70). The file may be truncated. {_REFUSED}"
        )

    deposits = iter(_section_dates(records))
    payee_bankgiro = ""
    booked_on = date.min
    counted = {"20": 0, "21": 0}
    totals = {"20": 0, "21": 0}
    payees: list[str] = []
    deposit_ids: list[str] = []
    deposits_ore = 0
    deposit_count = 0
    extra_reference_count = 0
    section: _Section | None = None
    entry: _Entry | None = None

    for line_no, record in records.middle():
        tk = record[:2]
        if tk in ("20", "21", "15") and entry is not None:
            yield _to_payment(entry, booked_on, payee_bankgiro)
            entry = None
        if tk == "05":
            if section is not None:
                raise BankFileError(
                    f"Line {line_no}: opening record TK05 starts a new section, but the section "
                    f"opened on line {section.line_no} was never closed by a deposit record "
                    f"(TK15). {_REFUSED}"
                )
            section = _Section(line_no, _parse_opening(line_no, record))
            payee_bankgiro = section.payee_bankgiro
            # The section's date is checked when its TK15 is reached; a file without one is refused
            # there, before any of this date is written anywhere.
            stamp = next(deposits, "")
            booked_on = _date_or_min(stamp)
            entry = None
        elif tk in ("20", "21"):
            section = _require_section(section, line_no, tk)
            entry = _parse_entry(line_no, record)
            section.add(entry)
            counted[tk] += 1
            totals[tk] += entry.amount_ore
        elif tk in ("22", "23"):
            entry = _require_entry(entry, line_no, tk)
            _add_extra_reference(entry, line_no, record)
            extra_reference_count += 1
        elif tk in ("25", "26", "27", "28", "29"):
            entry = _require_entry(entry, line_no, tk)
            _add_detail(entry, record)
        elif tk == "15":
            section = _require_section(section, line_no, tk)
            closed_on, deposit_ore = _close_section(section, line_no, record)
            if closed_on != booked_on:  # pragma: no cover - the same record was read ahead
                raise BankFileError(f"Line {line_no} (TK15): the payment date could not be read. {_REFUSED}")
            deposit_ids.append(f"{closed_on:%Y%m%d}/{_field(record, 46, 50)}")
            payees.append(section.payee_bankgiro)
            deposits_ore += deposit_ore
            deposit_count += 1
            section = None
            entry = None
        elif tk == "01":
            raise BankFileError(f"Line {line_no}: a second start record (TK01) was found. {_REFUSED}")
        elif tk == "70":
            raise BankFileError(f"Line {line_no}: end record (TK70) found before the end of the file. {_REFUSED}")
        else:
            raise BankFileError(f"Line {line_no}: unknown record type {tk!r}. {_REFUSED}")

    if section is not None:
        raise BankFileError(
            f"The section opened by TK05 on line {section.line_no} is not closed by a deposit "
            f"record (TK15) before the end record. {_REFUSED}"
        )

    _check_end_record(
        end_line_no,
        end_record,
        {
            "payment records (TK20)": counted["20"],
            "deduction records (TK21)": counted["21"],
            "extra reference records (TK22/TK23)": extra_reference_count,
            "deposit records (TK15)": deposit_count,
        },
    )

    distinct_payees = sorted(set(payees))
    if len(distinct_payees) > 1:
        raise BankFileError(
            "The file contains sections for several payee bankgiro numbers "
            f"({', '.join(distinct_payees)}); one file must be for one bankgiro number. {_REFUSED}"
        )

    stream.summary = ParsedFile(
        format="bgmax",
        created_at=created_at,
        payee_account=distinct_payees[0] if distinct_payees else "",
        currency="SEK",
        payments=(),
        deductions=(),
        declared_count=_number(end_line_no, end_record, 3, 10, "the number of payment records"),
        declared_total_ore=deposits_ore,
        computed_count=counted["20"],
        computed_total_ore=totals["20"] - totals["21"],
        identity=":".join(
            ["bgmax", f"{created_at:%Y%m%d%H%M%S%f}", distinct_payees[0] if distinct_payees else "", *deposit_ids]
        ),
        version="BgMax 01",
    )


def _date_or_min(text: str) -> date:
    """A TK15 date read ahead; a bad one is refused with its line when the record is reached."""
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8])) if is_ascii_digits(text) else date.min
    except ValueError:
        return date.min


# --- reading lines -------------------------------------------------------


def _split_records(data: bytes | IO[bytes]) -> _Records:
    """Check the file's encoding; its records are then read and checked one at a time (see _Records)."""
    if isinstance(data, (bytes, bytearray)):
        data = io.BytesIO(bytes(data))
    elif not hasattr(data, "readline"):
        raise TypeError("parse_bgmax expects the raw file content as bytes")
    records = _Records(data)
    if not len(records):
        raise BankFileError("The file is empty.")
    return records


class _Records:
    """The file's lines as (line number, 80-character record), read from the open file on demand.

    A first pass reads the file line by line to decide its encoding (see the module docstring), and keeps only
    the first and the last record, the deposit records (TK15) and the number of lines; ``middle``
    reads the file again. A line is a run of bytes up to a newline, so deciding UTF-8 line by line is
    deciding it for the whole file (no UTF-8 character contains a newline byte)."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.start = source.tell()
        head = source.read(3)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise BankFileError(
                "The file is saved as UTF-16; BgMax files are ISO-8859-1 text. Ask the bank for the file as it "
                f"was sent, or save it again as ISO-8859-1. {_REFUSED}"
            )
        if head != b"\xef\xbb\xbf":  # a UTF-8 byte order mark added by an editor
            source.seek(self.start)
        self.start = source.tell()
        utf8 = True
        misplaced: tuple[int, int] | None = None
        count = 0
        last_filled = 0
        first = last = b""
        deposits: list[bytes] = []
        # readline, not iteration: a Django File splits lines on a lone CR too.
        for line_no, line in enumerate(iter(source.readline, b""), start=1):
            count = line_no
            if line_no == 1:
                first = line
            if line.strip(b"\r\n "):
                last_filled, last = line_no, line
            if line.startswith(b"15"):
                deposits.append(line)
            if not line.isascii():
                if utf8:
                    try:
                        line.decode("utf-8")
                    except UnicodeDecodeError:
                        utf8 = False
                if misplaced is None and (found := _C1_RE.search(line)) is not None:
                    misplaced = (line_no, line[found.start()])
        if not utf8 and misplaced is not None:
            line_no, byte = misplaced
            raise BankFileError(
                f"Line {line_no} contains the byte 0x{byte:02X}, which is not a character in ISO-8859-1 "
                "(the encoding of BgMax files). The file seems to be saved in another encoding, such as "
                f"Windows-1252 or code page 850, and names would be garbled. {_REFUSED}"
            )
        self.encoding = "utf-8" if utf8 else "iso-8859-1"
        # Blank lines at the end (a final newline, trailing blank lines) are not records.
        self.count = last_filled
        self.first = first.decode(self.encoding) if count else ""
        self.last = last.decode(self.encoding)
        self.deposits = [line.decode(self.encoding).removesuffix("\n").removesuffix("\r") for line in deposits]

    def __len__(self) -> int:
        return self.count

    def _record(self, line_no: int, line: str) -> tuple[int, str]:
        line = line.removesuffix("\n").removesuffix("\r")
        if len(line) > RECORD_LENGTH:
            raise BankFileError(
                f"Line {line_no} is {len(line)} characters long; BgMax records are exactly "
                f"{RECORD_LENGTH} characters. {_REFUSED}"
            )
        found = _CONTROL_RE.search(line)
        if found is not None:
            control = found.group()
            raise BankFileError(
                f"Line {line_no} contains the control character {control!r}; BgMax records are "
                f"fixed-width text. {_REFUSED}"
            )
        if not line.strip():
            raise BankFileError(
                f"Line {line_no} is blank; blank lines are only allowed at the end of the file. {_REFUSED}"
            )
        return line_no, line.ljust(RECORD_LENGTH)

    def __getitem__(self, index: int) -> tuple[int, str]:
        """The first (0) or the last (-1) record."""
        if index == 0 or (index == -1 and self.count == 1):
            return self._record(1, self.first)
        if index == -1:
            return self._record(self.count, self.last)
        raise IndexError(index)  # pragma: no cover - only the first and last are looked up

    def middle(self) -> Iterator[tuple[int, str]]:
        """Every record but the first and the last, read from the file again."""
        self.source.seek(self.start)
        encoding = self.encoding
        for line_no, line in enumerate(iter(self.source.readline, b""), start=1):
            if line_no >= self.count:
                return
            if line_no > 1:
                yield self._record(line_no, line.decode(encoding))


# --- field helpers -------------------------------------------------------


def _field(record: str, start: int, end: int) -> str:
    """Positions ``start``..``end`` of a record (1-based, inclusive)."""
    return record[start - 1 : end]


def _number(line_no: int, record: str, start: int, end: int, what: str) -> int:
    """A zero-padded numeric field as int; anything but digits is refused."""
    text = _field(record, start, end)
    if not is_ascii_digits(text):
        raise BankFileError(
            f"Line {line_no} (TK{record[:2]}): {what} (positions {start}-{end}) must be digits, "
            f"got {text!r}. {_REFUSED}"
        )
    return int(text)


def _date(line_no: int, record: str, start: int, end: int, what: str) -> date:
    """A YYYYMMDD field as a date."""
    text = _field(record, start, end)
    try:
        if not is_ascii_digits(text):
            raise ValueError
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise BankFileError(
            f"Line {line_no} (TK{record[:2]}): {what} (positions {start}-{end}) is not a valid "
            f"date YYYYMMDD: {text!r}. {_REFUSED}"
        ) from None


def _structured_reference(text: str, reference_code: str) -> str:
    """Digits-only OCR reference for reference code 2, else ''."""
    if reference_code != OCR_REFERENCE_CODE:
        return ""
    compact = text.replace(" ", "")
    return compact if is_ascii_digits(compact) else ""


# --- records -------------------------------------------------------------


def _parse_start(line_no: int, record: str, allow_test_file: bool) -> datetime:
    """Check the TK01 start record and return its timestamp."""
    if record[:2] != "01":
        raise BankFileError(
            f"Line {line_no} must be a start record (TK01) but begins with {record[:2]!r}; "
            f"this is not a BgMax file. {_REFUSED}"
        )
    layout = _field(record, 3, 22).strip()
    if layout != "BGMAX":
        raise BankFileError(
            f"The start record (TK01, line {line_no}) names the layout {layout!r}; only "
            f"'BGMAX' files are accepted. {_REFUSED}"
        )
    version = _field(record, 23, 24)
    if version != "01":
        raise BankFileError(
            f"The start record (TK01, line {line_no}) has layout version {version!r}; only "
            f"version 01 is supported. {_REFUSED}"
        )
    stamp = _field(record, 25, 44)
    try:
        if not is_ascii_digits(stamp):
            raise ValueError
        created_at = datetime(
            int(stamp[0:4]),
            int(stamp[4:6]),
            int(stamp[6:8]),
            int(stamp[8:10]),
            int(stamp[10:12]),
            int(stamp[12:14]),
            int(stamp[14:20]),
        )
    except ValueError:
        raise BankFileError(
            f"The start record (TK01, line {line_no}) has an invalid timestamp {stamp!r}; "
            f"expected YYYYMMDDHHMMSSffffff. {_REFUSED}"
        ) from None
    mark = _field(record, 45, 45)
    if mark == "T" and not allow_test_file:
        raise BankFileError(
            f"The start record (TK01, line {line_no}) marks this as a TEST file ('T'). Test "
            "files are refused so that test payments are never booked; pass "
            "allow_test_file=True to read it anyway."
        )
    if mark not in ("T", "P"):
        raise BankFileError(
            f"The start record (TK01, line {line_no}) has the test/production mark {mark!r}; "
            f"expected 'P' or 'T'. {_REFUSED}"
        )
    return created_at


def _parse_opening(line_no: int, record: str) -> str:
    """Check a TK05 opening record and return the payee bankgiro number."""
    bankgiro = _number(line_no, record, 3, 12, "the payee bankgiro number")
    currency = _field(record, 23, 25)
    if currency != "SEK":
        raise BankFileError(
            f"Line {line_no} (TK05): the section currency is {currency.strip()!r}; only SEK is supported. {_REFUSED}"
        )
    return str(bankgiro)


def _require_section(section: _Section | None, line_no: int, tk: str) -> _Section:
    if section is None:
        raise BankFileError(
            f"Line {line_no}: record TK{tk} appears outside a section; it must come after an "
            f"opening record (TK05). {_REFUSED}"
        )
    return section


def _require_entry(entry: _Entry | None, line_no: int, tk: str) -> _Entry:
    if entry is None:
        raise BankFileError(
            f"Line {line_no}: record TK{tk} must follow a payment (TK20) or deduction (TK21) "
            f"record in the same section. {_REFUSED}"
        )
    return entry


def _parse_entry(line_no: int, record: str) -> _Entry:
    """Read a TK20 payment or TK21 deduction record."""
    deduction = record[:2] == "21"
    amount = _number(line_no, record, 38, 55, "the amount")
    if amount == 0:
        kind = "deduction" if deduction else "payment"
        raise BankFileError(f"Line {line_no} (TK{record[:2]}): the {kind} amount is 0. {_REFUSED}")
    return _Entry(
        line_no=line_no,
        deduction=deduction,
        amount_ore=amount,
        reference=_structured_reference(_field(record, 13, 37), _field(record, 56, 56)),
        bank_reference=_field(record, 58, 69).strip(),
        lines=[record.rstrip()],
        payer_bankgiro=_payer_bankgiro(_field(record, 3, 12)),
        reference_text=_field(record, 13, 37).strip() if _field(record, 56, 56) in "345" else "",
    )


def _payer_bankgiro(text: str) -> str:
    """The sender's bankgiro number as 'bankgiro 1234-5678', or '' when the field is zeros or blank."""
    digits = text.strip()
    if not is_ascii_digits(digits) or not digits.strip("0"):
        return ""
    return bankgiro_label(digits)


def _add_extra_reference(entry: _Entry, line_no: int, record: str) -> None:
    """Attach a TK22/TK23 extra reference record to its payment."""
    amount = _number(line_no, record, 38, 55, "the amount")
    if record[:2] == "23":
        amount = -amount
    reference = _structured_reference(_field(record, 13, 37), _field(record, 56, 56))
    if reference:
        entry.extra_references.append(reference)
    entry.reference_amounts.append((reference or _field(record, 13, 37).strip(), amount))
    entry.lines.append(record.rstrip())


def _add_detail(entry: _Entry, record: str) -> None:
    """Attach a TK25-TK29 information/name/address record to its payment."""
    tk = record[:2]
    if tk == "26":
        name = " ".join(p for p in (_field(record, 3, 37).strip(), _field(record, 38, 72).strip()) if p)
        if name:
            entry.names.append(name)
    elif tk == "27":
        entry.street = _field(record, 3, 37).strip()
        entry.postcode = _field(record, 38, 46).strip()
    elif tk == "28":
        entry.town = _field(record, 3, 37).strip()
        entry.country = _field(record, 38, 72).strip() or _field(record, 73, 74).strip()
    # TK25 (information text) and TK29 (organisation number) are kept in raw only.
    entry.lines.append(record.rstrip())


def _close_section(section: _Section, line_no: int, record: str) -> tuple[date, int]:
    """Validate a TK15 deposit record against its section; return (date, amount)."""
    booked_on = _date(line_no, record, 38, 45, "the payment date")
    deposit_ore = _number(line_no, record, 51, 68, "the deposit amount")
    declared_count = _number(line_no, record, 72, 79, "the number of payments")
    currency = _field(record, 69, 71)
    if currency != "SEK":
        raise BankFileError(
            f"Line {line_no} (TK15): the deposit currency is {currency.strip()!r}; only SEK is supported. {_REFUSED}"
        )

    paid_ore = section.paid_ore
    deducted_ore = section.deducted_ore
    net_ore = paid_ore - deducted_ore
    entries = section.paid_count + section.deducted_count
    if deposit_ore != net_ore:
        raise BankFileError(
            f"Deposit record TK15 on line {line_no} states a deposit of "
            f"{format_sek(deposit_ore)}, but the section starting on line "
            f"{section.line_no} adds up to {format_sek(net_ore)} ({section.paid_count} payments "
            f"of {format_sek(paid_ore)} minus {section.deducted_count} deductions of "
            f"{format_sek(deducted_ore)}). {_REFUSED}"
        )
    if declared_count != entries:
        raise BankFileError(
            f"Deposit record TK15 on line {line_no} states {declared_count} payments, but the "
            f"section starting on line {section.line_no} contains {entries} "
            f"({section.paid_count} payment records TK20 and {section.deducted_count} deduction records TK21). "
            f"{_REFUSED}"
        )
    return booked_on, deposit_ore


def _check_end_record(line_no: int, record: str, counted: dict[str, int]) -> None:
    """Compare the TK70 end record's counts with what was actually read."""
    positions = [(3, 10), (11, 18), (19, 26), (27, 34)]
    for (start, end), (what, actual) in zip(positions, counted.items(), strict=True):
        declared = _number(line_no, record, start, end, f"the number of {what}")
        if declared != actual:
            raise BankFileError(
                f"End record TK70 on line {line_no} declares {declared} {what}, but the file "
                f"contains {actual}. {_REFUSED}"
            )


def _to_payment(entry: _Entry, booked_on: date, payee_bankgiro: str) -> ParsedPayment:
    """Turn a collected entry into the public result type."""
    town_line = " ".join(p for p in (entry.postcode, entry.town) if p)
    address = ", ".join(p for p in (entry.street, town_line, entry.country) if p)
    return ParsedPayment(
        amount_ore=entry.amount_ore,
        booked_on=booked_on,
        reference=entry.reference,
        payer_name=" ".join(entry.names),
        payer_address=address,
        channel=CHANNEL,
        bank_reference=entry.bank_reference,
        deduction=entry.deduction,
        raw="\n".join(entry.lines),
        extra_references=tuple(entry.extra_references),
        payer_account=entry.payer_bankgiro,
        entry_key=f"bgmax:{payee_bankgiro}:{booked_on:%Y%m%d}:{entry.bank_reference}" if entry.bank_reference else "",
        reference_amounts=tuple(entry.reference_amounts),
        reference_text=entry.reference_text,
    )
