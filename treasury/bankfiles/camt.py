"""Parser for ISO 20022 camt.053 (BankToCustomerStatement) and camt.054
(BankToCustomerDebitCreditNotification), versions .001.02 to .001.08.

Safety: the size is checked *before* parsing (``max_bytes``, default 20 MiB),
and a document type declaration is refused before the document is read: the
prolog (everything before the root element) is read first by an expat parser
that stops at the root and refuses a DTD. Without a DTD an XML document can
declare no entities ("billion laughs") and refer to no external resource
(XXE): expat refuses any entity reference but the five predefined ones. The
document itself is then read with the standard library's C ``iterparse``
(about five times faster than defusedxml's pure-Python reader, which was about
40 % of a large import's time).
``camt_stream`` reads an open file entry by entry and hands each payment out
as its entry ends; ``parse_camt`` collects them.

What is read
------------
* Namespace (and so message type and version) comes from the root element
  ``{urn:iso:std:iso:20022:tech:xsd:camt.05X.001.NN}Document``.
* Each ``Stmt`` (camt.053) or ``Ntfctn`` (camt.054) is read; all must be for
  the same account (``Acct/Id/IBAN``, else ``Acct/Id/Othr/Id``).
* Payments come from credit entries (``CdtDbtInd`` CRDT) that are booked
  (``Sts`` = BOOK up to v6, ``Sts/Cd`` = BOOK from v7).  Each ``TxDtls`` gives
  one payment; an entry without ``TxDtls`` gives one payment from the entry.
  A credit with ``RvslInd`` true (a returned outgoing payment) is imported
  like any other credit, with "[reversal]" at the start of ``raw``.
* A ``TxDtls`` amount is ``TxDtls/Amt`` (v3+) or ``TxDtls/AmtDtls/TxAmt/Amt``
  (v2); with a single ``TxDtls`` and no amount, the entry amount is used.
  A ``TxDtls`` marked DBIT inside a credit entry is a deduction and goes to
  ``ParsedFile.deductions``.  The entry amount must equal credits minus
  deductions of its ``TxDtls``.
* Amounts must be in SEK and are converted to öre with ``Decimal``; a value
  that is not a whole number of öre (e.g. "10.005") is refused.
* ``reference`` is the first ``RmtInf/Strd/CdtrRefInf/Ref`` that is digits
  only (spaces removed); further digit references go to
  ``extra_references``.  Non-digit references (e.g. RF creditor references)
  are not used as ``reference``.  ``raw`` is a short text of all structured
  references ("Ref: ..."), ``Ustrd`` lines and additional information.
* Payer: ``RltdPties/Dbtr/Nm`` (up to v7) or ``RltdPties/Dbtr/Pty/Nm`` (v8).
  Payer's account (``payer_account``): ``RltdPties/DbtrAcct/Id/IBAN`` (compact,
  upper case), else ``RltdPties/DbtrAcct/Id/Othr/Id`` with its scheme
  (``SchmeNm/Cd`` or ``Prtry``): BGNR gives ``"bankgiro 1234-5678"``, BBAN
  gives ``"BBAN <digits>"``, another scheme ``"<scheme> <id>"`` and none
  ``"Othr <id>"``, so an unnamed identifier is never taken for a bank account.
* ``bank_reference`` is ``TxDtls/Refs/AcctSvcrRef``, else the entry's
  ``AcctSvcrRef``.  Split entries without per-transaction references share
  the entry's value, so it is not unique per payment.

Totals
------
camt.053 uses ``Stmt/TxsSummry``; camt.054 uses ``Ntfctn/TxsSummry`` (the
camt.054 group header has no totals in these versions).  When present,
``TtlCdtNtries`` (``NbOfNtries``, ``Sum``) must equal the number and sum of
the credit entries, and ``TtlDbtNtries`` those of the debit entries, in the
same statement/notification.  Both count *entries* of any status, as the
summary describes the entries in the message.  ``ParsedFile.computed_count``
and ``computed_total_ore`` are therefore the credit entries' count and sum;
``declared_*`` is ``None`` unless every statement/notification declares it.

Why one module of about 780 lines
---------------------------------
One streaming reader walks one document: the entry reader, the totals and
balance checks (which must see every entry as it streams past) and the
.02/.08 differences all work on the same reader state and the same namespace.
What stands alone is split off: the result types (``types.py``) and reading an
OCR reference out of free text (``remittance.py``).
"""

from __future__ import annotations

import dataclasses
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO
from xml.parsers import expat

from .remittance import ocr_in_text, paid_via
from .types import BankFileError, EntryStream, ParsedFile, ParsedPayment, bankgiro_label, format_sek, is_ascii_digits

MAX_BYTES_DEFAULT = 20 * 1024 * 1024
RAW_MAX_CHARS = 1000
PAYER_ACCOUNT_MAX_CHARS = 40
_NAMESPACE_RE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.001\.(\d\d)")
_SUPPORTED_VERSIONS = (2, 8)  # what Swedish banks send today
_AMOUNT_RE = re.compile(r"[0-9]{1,18}(\.[0-9]{1,10})?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_REFUSED = "The file was refused; nothing was imported."
_MESSAGES = {
    "053": ("BkToCstmrStmt", "Stmt", "statement"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", "notification"),
}


@dataclass
class _Totals:
    """Count and sum (öre) of a group of entries."""

    count: int = 0
    total_ore: int = 0

    def add(self, amount_ore: int) -> None:
        self.count += 1
        self.total_ore += amount_ore


@dataclass
class _Block:
    """What has been read of one Stmt/Ntfctn while its entries stream past."""

    number: int
    where: str = ""
    account: str = ""
    entries: int = 0
    booked_net: int = 0
    credits: _Totals = field(default_factory=_Totals)
    debits: _Totals = field(default_factory=_Totals)
    seen_refs: set[str] = field(default_factory=set)


def parse_camt(data: bytes, *, max_bytes: int = MAX_BYTES_DEFAULT) -> ParsedFile:
    """Parse and validate a camt.053 or camt.054 file given as raw bytes.

    Raises ``BankFileError`` for oversize input, unsafe or malformed XML,
    unsupported message types, non-SEK amounts and totals that do not match.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse_camt expects the raw file content as bytes")
    stream = camt_stream(io.BytesIO(bytes(data)), size=len(data), max_bytes=max_bytes)
    payments: list[ParsedPayment] = []
    deductions: list[ParsedPayment] = []
    reversals: list[ParsedPayment] = []
    for item in stream:
        (reversals if item.reversal else deductions if item.deduction else payments).append(item)
    assert stream.summary is not None  # set once the document is read
    return dataclasses.replace(
        stream.summary, payments=tuple(payments), deductions=tuple(deductions), reversals=tuple(reversals)
    )


def camt_stream(source: IO[bytes], *, size: int, max_bytes: int = MAX_BYTES_DEFAULT) -> EntryStream:
    """The file's payments, deductions and reversals one at a time, in file order, read from an open
    binary file (never held whole); ``summary`` once every total is checked. Raises ``BankFileError``
    (entries before the fault have been handed out by then)."""
    if size > max_bytes:
        raise BankFileError(f"The file is {size} bytes, more than the limit of {max_bytes} bytes. {_REFUSED}")
    start = source.tell()
    head = source.read(4096)
    while head and not head.strip():
        head = source.read(4096)
    if not head.strip():
        raise BankFileError("The file is empty.")
    source.seek(start)
    stream = EntryStream(iter(()))
    stream.entries = _stream(source, stream)
    return stream


def _stream(source: IO[bytes], stream: EntryStream) -> Iterator[ParsedPayment]:
    """Read the document element by element: each entry (Ntry) is read as soon as it ends, handed
    out and dropped from the tree, so memory never holds the whole document or its entries."""
    reader: _CamtReader | None = None
    stack: list[ET.Element] = []
    _refuse_doctype(source)
    try:
        # The prolog was read above and a DTD refused: without one, no entity and no external reference.
        for event, element in ET.iterparse(source, events=("start", "end")):  # noqa: S314  # nosec B314
            if event == "start":
                if reader is None:
                    reader = _CamtReader(element)
                elif len(stack) == 2 and element.tag == reader.block_qtag and stack[1].tag == reader.wrapper_qtag:
                    reader.block_start(element)
                stack.append(element)
                continue
            stack.pop()
            if len(stack) == 3 and element.tag == reader.entry_qtag and stack[2].tag == reader.block_qtag:  # type: ignore[union-attr]
                reader.entry_end(stack[2], element)  # type: ignore[union-attr]
                stack[2].remove(element)
                read = reader.take()  # type: ignore[union-attr]
                if read:
                    yield from read
    except BankFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - every parser complaint becomes the treasurer's reason
        raise _xml_error(exc) from None
    if reader is None:  # pragma: no cover - iterparse raises on a document without elements
        raise BankFileError(f"The file is not well-formed XML. {_REFUSED}")
    stream.summary = reader.read()


class _RootReached(Exception):
    """The prolog has been read: the root element starts."""


def _refuse_doctype(source: IO[bytes]) -> None:
    """Read the prolog with expat (in the document's own encoding) up to the root element and refuse a document
    type declaration, the only place entities and external references can be declared; rewinds the file. A file
    that is not well-formed is left to the full read, which says where."""
    start = source.tell()
    parser = expat.ParserCreate()

    def doctype(*_args: object) -> None:
        raise BankFileError(
            "The XML contains a document type declaration (DTD). Bank files never need one and "
            f"it can be used for entity-expansion or external-entity attacks. {_REFUSED}"
        )

    def root(*_args: object) -> None:
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while chunk := source.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except BankFileError:
        raise
    except (_RootReached, expat.ExpatError, LookupError, ValueError):
        pass  # the root, or a fault (an unknown encoding, say) the full read names
    finally:
        source.seek(start)


def _xml_error(exc: Exception) -> BankFileError:
    """The treasurer's reason for an XML the reader refused."""
    if isinstance(exc, ET.ParseError):
        return BankFileError(f"The file is not well-formed XML ({exc}). {_REFUSED}")
    if isinstance(exc, (LookupError, ValueError)):  # e.g. an unknown encoding declaration
        return BankFileError(f"The XML cannot be read ({exc}). {_REFUSED}")
    raise exc


class _CamtReader:
    """Walks one parsed camt document; all element lookups use its namespace."""

    def __init__(self, root: ET.Element) -> None:
        if root.tag.startswith("{"):
            namespace, _, local = root.tag[1:].partition("}")
        else:
            namespace, local = "", root.tag
        match = _NAMESPACE_RE.fullmatch(namespace)
        if local != "Document" or match is None:
            raise BankFileError(f"This is not a camt.053 or camt.054 file (root element {root.tag!r}). {_REFUSED}")
        message, version = match.group(1), int(match.group(2))
        if version not in _SUPPORTED_VERSIONS:
            raise BankFileError(
                f"camt.{message}.001.{version:02d} is not supported; supported versions are "
                f"camt.{message}.001.02 and camt.{message}.001.08. {_REFUSED}"
            )
        self.root = root
        self.ns = {"c": namespace}
        self.steps: dict[str, tuple[str, ...]] = {}
        self.message = message
        self.version = version
        self.channel = f"camt{message}"
        wrapper_tag, block_tag, _name = _MESSAGES[message]
        self.wrapper_qtag = f"{{{namespace}}}{wrapper_tag}"
        self.block_qtag = f"{{{namespace}}}{block_tag}"
        self.entry_qtag = f"{{{namespace}}}Ntry"
        self.payments: list[ParsedPayment] = []
        self.deductions: list[ParsedPayment] = []
        self.reversals: list[ParsedPayment] = []
        self.blocks: dict[int, _Block] = {}

    def take(self) -> list[ParsedPayment]:
        """The entries read since the last call, in file order (each entry's items are read together)."""
        read = [*self.payments, *self.deductions, *self.reversals]
        self.payments.clear()
        self.deductions.clear()
        self.reversals.clear()
        return read

    # --- element helpers -------------------------------------------------

    def _steps(self, path: str) -> tuple[str, ...]:
        steps = self.steps.get(path)
        if steps is None:
            namespace = self.ns["c"]
            steps = tuple(f"{{{namespace}}}{step}" if namespace else step for step in path.split("/"))
            self.steps[path] = steps
        return steps

    # Every path here is plain child steps ("NtryDtls/TxDtls"): each step is the C element's own
    # findall of one qualified tag (no ElementPath compiling), keeping ElementPath's answers (all
    # matches, in document order). That lookup was most of the time spent reading a large file.
    def findall(self, element: ET.Element, path: str) -> list[ET.Element]:
        steps = self._steps(path)
        level = element.findall(steps[0])
        for tag in steps[1:]:
            if not level:
                break
            level = level[0].findall(tag) if len(level) == 1 else [c for p in level for c in p.findall(tag)]
        return level

    def find(self, element: ET.Element, path: str) -> ET.Element | None:
        steps = self._steps(path)
        if len(steps) == 1:
            return element.find(steps[0])
        found = self.findall(element, path)
        return found[0] if found else None

    def text(self, element: ET.Element, path: str) -> str:
        steps = self.steps.get(path) or self._steps(path)
        found = element.find(steps[0]) if len(steps) == 1 else self.find(element, path)
        return (found.text or "").strip() if found is not None else ""

    def texts(self, element: ET.Element, path: str) -> list[str]:
        return [t for t in ((e.text or "").strip() for e in self.findall(element, path)) if t]

    # --- document --------------------------------------------------------

    def read(self) -> ParsedFile:
        """Read every statement/notification and build the ParsedFile."""
        wrapper_tag, block_tag, block_name = _MESSAGES[self.message]
        wrapper = self.find(self.root, wrapper_tag)
        if wrapper is None:
            raise BankFileError(f"The camt.{self.message} document has no {wrapper_tag} element. {_REFUSED}")
        created_at = self._datetime(self.text(wrapper, "GrpHdr/CreDtTm"), "GrpHdr/CreDtTm")
        message_id = self.text(wrapper, "GrpHdr/MsgId")
        if not message_id:
            raise BankFileError(f"The group header has no message identification (GrpHdr/MsgId). {_REFUSED}")

        payments, deductions, reversals = self.payments, self.deductions, self.reversals
        accounts: list[str] = []
        identity = [f"camt.{self.message}", message_id]
        credits = _Totals()
        declared: list[_Totals | None] = []
        blocks = self.findall(wrapper, block_tag)
        for block in blocks:
            state = self.blocks.get(id(block)) or self.block_start(block)
            accounts.append(state.account)
            identity.append(f"{state.account}/{self.text(block, 'Id')}/{self.text(block, 'ElctrncSeqNb')}")
            block_credits, block_declared = self._finish_block(block, state)
            credits.count += block_credits.count
            credits.total_ore += block_credits.total_ore
            declared.append(block_declared)

        distinct = sorted(set(accounts))
        if len(distinct) > 1:
            raise BankFileError(
                f"The file contains {block_name}s for several accounts ({', '.join(distinct)}); "
                f"one file must be for one account. {_REFUSED}"
            )
        complete = bool(declared) and all(d is not None for d in declared)
        return ParsedFile(
            format=self.channel,
            created_at=created_at,
            payee_account=distinct[0] if distinct else "",
            currency="SEK",
            payments=tuple(payments),
            deductions=tuple(deductions),
            declared_count=sum(d.count for d in declared if d) if complete else None,
            declared_total_ore=sum(d.total_ore for d in declared if d) if complete else None,
            computed_count=credits.count,
            computed_total_ore=credits.total_ore,
            identity=":".join(identity),
            reversals=tuple(reversals),
            version=f"camt.{self.message}.001.{self.version:02d}",
        )

    def _account(self, block: ET.Element, where: str) -> str:
        """The account identifier of a statement/notification (IBAN or other id)."""
        account = self.text(block, "Acct/Id/IBAN") or self.text(block, "Acct/Id/Othr/Id")
        currency = self.text(block, "Acct/Ccy")
        if currency and currency != "SEK":
            raise BankFileError(f"{where}: the account currency is {currency!r}; only SEK is supported. {_REFUSED}")
        return account.replace(" ", "")

    def block_start(self, block: ET.Element) -> _Block:
        """Number a Stmt/Ntfctn as it starts; its account is read when its first entry ends."""
        state = _Block(number=len(self.blocks) + 1)
        self.blocks[id(block)] = state
        return state

    def _block_ready(self, block: ET.Element, state: _Block) -> None:
        """Read the block's Id and account (they come before its entries in the schema)."""
        if state.where:
            return
        block_id = self.text(block, "Id")
        block_tag = _MESSAGES[self.message][1]
        state.where = f"{block_tag} {state.number}" + (f" (Id {block_id})" if block_id else "")
        state.account = self._account(block, state.where)

    def entry_end(self, block: ET.Element, entry: ET.Element) -> None:
        """Read one entry of a block as soon as it is complete."""
        state = self.blocks[id(block)]
        self._block_ready(block, state)
        state.entries += 1
        entry_ref = self.text(entry, "AcctSvcrRef") or self.text(entry, "NtryRef")
        entry_where = f"{state.where}, entry {state.entries}" + (f" (AcctSvcrRef {entry_ref})" if entry_ref else "")
        if entry_ref:
            if entry_ref in state.seen_refs:
                raise BankFileError(
                    f"{entry_where}: the bank's reference {entry_ref!r} appears twice in the same "
                    f"{'statement' if self.message == '053' else 'notification'}. {_REFUSED}"
                )
            state.seen_refs.add(entry_ref)
        amount = self._amount(self.find(entry, "Amt"), entry_where)
        direction = self.text(entry, "CdtDbtInd")
        if direction not in ("CRDT", "DBIT"):
            raise BankFileError(f"{entry_where}: CdtDbtInd is {direction!r}; expected CRDT or DBIT. {_REFUSED}")
        booked = self._status(entry) == "BOOK"
        entry_key = f"camt:{state.account}:{entry_ref}" if entry_ref else ""
        if direction == "DBIT":
            state.debits.add(amount)
            if booked:
                state.booked_net -= amount
                if self._is_reversal(entry):
                    self.reversals.extend(self._read_reversal(entry, entry_where, amount, entry_key))
            return
        state.credits.add(amount)
        if booked:
            state.booked_net += amount
            self._read_credit_entry(entry, entry_where, amount, entry_key, self.payments, self.deductions)

    def _finish_block(self, block: ET.Element, state: _Block) -> tuple[_Totals, _Totals | None]:
        """Check one Stmt/Ntfctn's summary and balances against its entries; return its credit
        totals and declared credit totals."""
        self._block_ready(block, state)
        where = state.where
        declared_credits = self._check_summary(block, where, "TtlCdtNtries", "credit", state.credits)
        self._check_summary(block, where, "TtlDbtNtries", "debit", state.debits)
        self._check_total_entries(block, where, state.credits, state.debits)
        self._check_balances(block, where, state.booked_net)
        return state.credits, declared_credits

    def _is_reversal(self, entry: ET.Element) -> bool:
        return self.text(entry, "RvslInd").lower() in ("true", "1")

    def _signed(self, element: ET.Element | None, where: str, direction: str) -> int:
        """An amount with its CdtDbtInd: DBIT is negative."""
        amount = _to_ore(element.text if element is not None else None, where)
        if direction not in ("CRDT", "DBIT"):
            raise BankFileError(f"{where}: CdtDbtInd is {direction!r}; expected CRDT or DBIT. {_REFUSED}")
        return -amount if direction == "DBIT" else amount

    def _check_total_entries(self, block: ET.Element, where: str, credits: _Totals, debits: _Totals) -> None:
        """TxsSummry/TtlNtries: the number of entries, the sum of their amounts and the net
        (.02 writes the net as TtlNetNtryAmt with CdtDbtInd beside it, .08 as TtlNetNtry/Amt)."""
        summary = self.find(block, "TxsSummry/TtlNtries")
        if summary is None:
            return
        count = credits.count + debits.count
        count_text = self.text(summary, "NbOfNtries")
        if count_text and (not is_ascii_digits(count_text) or int(count_text) != count):
            raise BankFileError(
                f"{where}: TxsSummry/TtlNtries declares {count_text!r} entries, but the file contains {count}. "
                f"{_REFUSED}"
            )
        sum_element = self.find(summary, "Sum")
        if sum_element is not None:
            declared = _to_ore(sum_element.text, f"{where}, TxsSummry/TtlNtries/Sum")
            actual = credits.total_ore + debits.total_ore
            if declared != actual:
                raise BankFileError(
                    f"{where}: TxsSummry/TtlNtries declares a sum of {format_sek(declared)}, but the "
                    f"entries add up to {format_sek(actual)}. {_REFUSED}"
                )
        net_element = self.find(summary, "TtlNetNtry/Amt")
        direction = self.text(summary, "TtlNetNtry/CdtDbtInd")
        if net_element is None:
            net_element = self.find(summary, "TtlNetNtryAmt")
            direction = self.text(summary, "CdtDbtInd")
        if net_element is not None:
            declared_net = self._signed(net_element, f"{where}, TxsSummry/TtlNtries net", direction)
            actual_net = credits.total_ore - debits.total_ore
            if declared_net != actual_net:
                raise BankFileError(
                    f"{where}: TxsSummry/TtlNtries declares a net of {format_sek(declared_net)}, but "
                    f"credits minus debits are {format_sek(actual_net)}. {_REFUSED}"
                )

    def _check_balances(self, block: ET.Element, where: str, booked_net: int) -> None:
        """Opening booked (OPBD) + booked credits - booked debits must be the closing booked (CLBD)."""
        balances: dict[str, int] = {}
        for balance in self.findall(block, "Bal"):
            code = self.text(balance, "Tp/CdOrPrtry/Cd") or self.text(balance, "Tp/CdOrPrtry/Prtry")
            if code not in ("OPBD", "CLBD"):
                continue
            if code in balances:
                raise BankFileError(f"{where}: the balance {code} is given twice. {_REFUSED}")
            element = self.find(balance, "Amt")
            self._amount(element, f"{where}, balance {code}")  # SEK only
            balances[code] = self._signed(element, f"{where}, balance {code}", self.text(balance, "CdtDbtInd"))
        if "OPBD" in balances and "CLBD" in balances and balances["OPBD"] + booked_net != balances["CLBD"]:
            raise BankFileError(
                f"{where}: the opening balance {format_sek(balances['OPBD'])} plus booked credits minus "
                f"booked debits ({format_sek(booked_net)}) is {format_sek(balances['OPBD'] + booked_net)}, "
                f"but the closing balance is {format_sek(balances['CLBD'])}. {_REFUSED}"
            )

    def _read_reversal(self, entry: ET.Element, where: str, amount: int, entry_key: str) -> list[ParsedPayment]:
        """A booked debit with RvslInd true: money the bank took back, one item per TxDtls."""
        booked_on = self._booking_date(entry, where)
        details = self.findall(entry, "NtryDtls/TxDtls")
        if not details:
            entry_refs = (self.text(entry, "AcctSvcrRef"), self.text(entry, "NtryRef"))
            return [
                ParsedPayment(
                    amount_ore=amount,
                    booked_on=booked_on,
                    reference="",
                    payer_name="",
                    payer_address="",
                    channel=self.channel,
                    bank_reference=self.text(entry, "AcctSvcrRef"),
                    raw=_join(["[reversal]", self.text(entry, "AddtlNtryInf")]),
                    entry_key=entry_key,
                    reversal=True,
                    original_refs=tuple(r for r in entry_refs if r),
                )
            ]
        items = []
        total = 0
        for number, tx in enumerate(details, start=1):
            tx_where = f"{where}, TxDtls {number}"
            tx_amount = self._tx_amount(tx, tx_where, amount if len(details) == 1 else None)
            total += tx_amount
            item = self._tx_payment(entry, tx, tx_amount, booked_on, False, True)
            refs = tuple(
                r
                for r in (
                    self.text(tx, "Refs/AcctSvcrRef"),
                    self.text(tx, "Refs/EndToEndId"),
                    self.text(tx, "Refs/TxId"),
                )
                if r and r != "NOTPROVIDED"
            )
            items.append(
                _replace(
                    item, entry_key=f"{entry_key}:{number}" if entry_key else "", reversal=True, original_refs=refs
                )
            )
        if total != amount:
            raise BankFileError(
                f"{where}: the reversal's amount is {format_sek(amount)}, but its transaction details add "
                f"up to {format_sek(total)}. {_REFUSED}"
            )
        return items

    def _check_summary(self, block: ET.Element, where: str, tag: str, kind: str, actual: _Totals) -> _Totals | None:
        """Compare TxsSummry/<tag> with the entries read.

        Returns the declared totals, or None unless both NbOfNtries and Sum
        are declared (whatever is declared is still checked).
        """
        summary = self.find(block, f"TxsSummry/{tag}")
        if summary is None:
            return None
        count_text = self.text(summary, "NbOfNtries")
        sum_element = self.find(summary, "Sum")
        declared_count = declared_sum = None
        if count_text:
            if not is_ascii_digits(count_text):
                raise BankFileError(f"{where}: TxsSummry/{tag}/NbOfNtries {count_text!r} is not a number. {_REFUSED}")
            declared_count = int(count_text)
            if declared_count != actual.count:
                raise BankFileError(
                    f"{where}: TxsSummry/{tag} declares {declared_count} {kind} entries, but the "
                    f"file contains {actual.count}. {_REFUSED}"
                )
        if sum_element is not None:
            declared_sum = _to_ore(sum_element.text, f"{where}, TxsSummry/{tag}/Sum")
            if declared_sum != actual.total_ore:
                raise BankFileError(
                    f"{where}: TxsSummry/{tag} declares a sum of {format_sek(declared_sum)} for "
                    f"{kind} entries, but the entries add up to {format_sek(actual.total_ore)}. "
                    f"{_REFUSED}"
                )
        if declared_count is None or declared_sum is None:
            return None
        return _Totals(declared_count, declared_sum)

    # --- entries ---------------------------------------------------------

    def _status(self, entry: ET.Element) -> str:
        """Entry status: plain text up to v6, Sts/Cd (or Sts/Prtry) from v7."""
        status = self.find(entry, "Sts")
        if status is None:
            return ""
        return self.text(status, "Cd") or self.text(status, "Prtry") or (status.text or "").strip()

    def _read_credit_entry(
        self,
        entry: ET.Element,
        where: str,
        amount: int,
        entry_key: str,
        payments: list[ParsedPayment],
        deductions: list[ParsedPayment],
    ) -> None:
        """Turn one booked credit entry into payments (one per TxDtls)."""
        if amount == 0:
            raise BankFileError(f"{where}: a booked credit entry has the amount 0. {_REFUSED}")
        booked_on = self._booking_date(entry, where)
        entry_reference = self.text(entry, "AcctSvcrRef")
        reversal = self.text(entry, "RvslInd").lower() in ("true", "1")
        details = self.findall(entry, "NtryDtls/TxDtls")

        if not details:
            raw = _join(["[reversal]" if reversal else "", self.text(entry, "AddtlNtryInf")])
            payments.append(
                ParsedPayment(
                    amount_ore=amount,
                    booked_on=booked_on,
                    reference="",
                    payer_name="",
                    payer_address="",
                    channel=self.channel,
                    bank_reference=entry_reference,
                    raw=raw,
                    entry_key=f"{entry_key}:1" if entry_key else "",
                )
            )
            return

        parsed: list[ParsedPayment] = []
        net = 0
        for number, tx in enumerate(details, start=1):
            tx_where = f"{where}, TxDtls {number}"
            tx_amount = self._tx_amount(tx, tx_where, amount if len(details) == 1 else None)
            is_deduction = self.text(tx, "CdtDbtInd") == "DBIT"
            net += -tx_amount if is_deduction else tx_amount
            key = f"{entry_key}:{number}" if entry_key else ""
            parsed.append(self._tx_payment(entry, tx, tx_amount, booked_on, is_deduction, reversal, key))

        if net != amount:
            raise BankFileError(
                f"{where}: the entry amount is {format_sek(amount)}, but its "
                f"{len(details)} transaction details add up to {format_sek(net)}. "
                f"{_REFUSED}"
            )
        for payment in parsed:
            (deductions if payment.deduction else payments).append(payment)

    def _tx_amount(self, tx: ET.Element, where: str, fallback: int | None) -> int:
        """Amount of one TxDtls in öre (v3+ Amt, v2 AmtDtls/TxAmt/Amt)."""
        element = self.find(tx, "Amt")
        if element is None:
            element = self.find(tx, "AmtDtls/TxAmt/Amt")
        if element is None:
            if fallback is None:
                raise BankFileError(
                    f"{where}: the entry has several transaction details but this one has no "
                    f"amount, so the entry cannot be split. {_REFUSED}"
                )
            return fallback
        amount = self._amount(element, where)
        if amount == 0:
            raise BankFileError(f"{where}: the transaction amount is 0. {_REFUSED}")
        return amount

    def _tx_payment(
        self,
        entry: ET.Element,
        tx: ET.Element,
        amount: int,
        booked_on: date,
        deduction: bool,
        reversal: bool,
        entry_key: str = "",
    ) -> ParsedPayment:
        """Build one payment from a TxDtls element."""
        # Each element is looked up once (a large file has hundreds of thousands of these).
        remittance = self.find(tx, "RmtInf")
        if remittance is None:
            refs, free_text = [], []
        else:
            refs = [ref.replace(" ", "") for ref in self.texts(remittance, "Strd/CdtrRefInf/Ref")]
            free_text = self.texts(remittance, "Ustrd") + self.texts(remittance, "Strd/AddtlRmtInf")
        digit_refs = [ref for ref in refs if is_ascii_digits(ref)]
        additional = [self.text(tx, "AddtlTxInf"), self.text(entry, "AddtlNtryInf")]
        raw = _join(["[reversal]" if reversal else ""] + [f"Ref: {ref}" for ref in refs] + free_text + additional)
        # No structured reference: look for an OCR reference in the payer's message (Swish, transfers).
        found_in_text = "" if digit_refs else ocr_in_text(free_text)
        route_texts = [self.text(tx, "BkTxCd/Prtry/Cd"), self.text(entry, "BkTxCd/Prtry/Cd"), *additional]
        party = self.find(tx, "RltdPties/Dbtr/Pty")  # v8
        if party is None:
            party = self.find(tx, "RltdPties/Dbtr")  # v2-v7
        return ParsedPayment(
            amount_ore=amount,
            booked_on=booked_on,
            reference=digit_refs[0] if digit_refs else found_in_text,
            payer_name=self.text(party, "Nm") if party is not None else "",
            payer_address=self._address(party) if party is not None else "",
            channel=self.channel,
            bank_reference=self.text(tx, "Refs/AcctSvcrRef") or self.text(entry, "AcctSvcrRef"),
            deduction=deduction,
            raw=raw,
            extra_references=tuple(digit_refs[1:]),
            payer_account=self._payer_account(tx),
            paid_via=paid_via(texts=route_texts, has_structured_reference=bool(digit_refs)),
            entry_key=entry_key,
        )

    def _payer_account(self, tx: ET.Element) -> str:
        """The debtor's account of a TxDtls in the stored form (see the module docstring), or ''."""
        account = self.find(tx, "RltdPties/DbtrAcct/Id")
        if account is None:
            return ""
        found_iban = _compact(self.text(account, "IBAN")).upper()
        if found_iban:
            return found_iban[:PAYER_ACCOUNT_MAX_CHARS]
        other = _compact(self.text(account, "Othr/Id"))
        if not other:
            return ""
        scheme = _compact(self.text(account, "Othr/SchmeNm/Cd") or self.text(account, "Othr/SchmeNm/Prtry")).upper()
        digits = other.replace("-", "")
        if scheme == "BGNR" and is_ascii_digits(digits):
            return bankgiro_label(digits)
        if scheme == "BBAN" and is_ascii_digits(digits):
            return f"BBAN {digits}"[:PAYER_ACCOUNT_MAX_CHARS]
        return f"{scheme[:10] or 'Othr'} {other}"[:PAYER_ACCOUNT_MAX_CHARS]

    def _address(self, party: ET.Element) -> str:
        """A one-line postal address from PstlAdr (AdrLine or structured parts)."""
        address = self.find(party, "PstlAdr")
        if address is None:
            return ""
        lines = self.texts(address, "AdrLine")
        if lines:
            return ", ".join(lines)
        street = " ".join(p for p in (self.text(address, "StrtNm"), self.text(address, "BldgNb")) if p)
        town = " ".join(p for p in (self.text(address, "PstCd"), self.text(address, "TwnNm")) if p)
        return ", ".join(p for p in (street, town, self.text(address, "Ctry")) if p)

    # --- values ----------------------------------------------------------

    def _amount(self, element: ET.Element | None, where: str) -> int:
        """An <Amt Ccy="SEK"> element as öre; other currencies are refused."""
        if element is None:
            raise BankFileError(f"{where}: the amount (Amt) is missing. {_REFUSED}")
        currency = element.get("Ccy", "")
        if currency != "SEK":
            raise BankFileError(
                f"{where}: the amount is in {currency or 'no currency'!r}; only SEK is supported. {_REFUSED}"
            )
        return _to_ore(element.text, where)

    def _booking_date(self, entry: ET.Element, where: str) -> date:
        """BookgDt/Dt or BookgDt/DtTm as a date (the date as written in the file)."""
        day = self.text(entry, "BookgDt/Dt")
        if day:
            if _DATE_RE.match(day):
                try:
                    return date.fromisoformat(day[:10])
                except ValueError:
                    pass
            raise BankFileError(f"{where}: BookgDt/Dt {day!r} is not a valid date. {_REFUSED}")
        moment = self._datetime(self.text(entry, "BookgDt/DtTm"), f"{where}, BookgDt/DtTm")
        if moment is not None:
            return moment.date()
        raise BankFileError(f"{where}: a booked entry has no booking date (BookgDt). {_REFUSED}")

    def _datetime(self, text: str, where: str) -> datetime | None:
        """An ISO date-time (with or without offset); '' gives None."""
        if not text:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise BankFileError(f"{where}: {text!r} is not a valid ISO date-time. {_REFUSED}") from None


def _to_ore(text: str | None, where: str) -> int:
    """Convert an ISO 20022 decimal amount string to whole öre, exactly."""
    value = (text or "").strip()
    if not _AMOUNT_RE.fullmatch(value):
        raise BankFileError(f"{where}: {value!r} is not a valid amount. {_REFUSED}")
    try:
        ore = Decimal(value) * 100
    except InvalidOperation:  # pragma: no cover - the regex already rules this out
        raise BankFileError(f"{where}: {value!r} is not a valid amount. {_REFUSED}") from None
    if ore != ore.to_integral_value():
        raise BankFileError(
            f"{where}: the amount {value} has more than 2 decimals and is not a whole number of öre. {_REFUSED}"
        )
    return int(ore)


def _replace(payment: ParsedPayment, **changes: object) -> ParsedPayment:
    """A copy of a parsed payment with some fields changed (the result types are frozen)."""
    return dataclasses.replace(payment, **changes)  # type: ignore[arg-type]  # fields checked in __post_init__


def _compact(text: str) -> str:
    """The text without any whitespace (account numbers are often written in groups)."""
    return "".join(text.split())


def _join(parts: list[str]) -> str:
    """Join the non-empty parts with ' | ', capped at RAW_MAX_CHARS."""
    text = " | ".join(p for p in parts if p)
    return text if len(text) <= RAW_MAX_CHARS else text[: RAW_MAX_CHARS - 1] + "…"
