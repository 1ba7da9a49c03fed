"""Bank files written by hand to the published layouts, for tests: BgMax (80-character ISO-8859-1
records) and camt.053.001.02 XML. Totals are computed, or overridden to make a broken file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class BgPayment:
    amount_ore: int
    reference: str = ""
    name: str = ""
    extra_references: list[str] = field(default_factory=list)
    deduction: bool = False
    text: str = ""
    payer_bankgiro: str = ""  # the sender's bankgiro (TK20/21 positions 3-12); zeros when empty


def _record(text: str) -> str:
    assert len(text) <= 80, text
    return text.ljust(80)


def bgmax(
    payments: list[BgPayment],
    *,
    booked_on: date = date(2026, 3, 5),
    bankgiro: str = "5050-1055",
    deposit_total_ore: int | None = None,
    stamp: str = "20260305061530123456",
) -> bytes:
    """One section (TK05 ... TK15) between TK01 and TK70, with correct counts unless overridden."""
    bg = bankgiro.replace("-", "").rjust(10, "0")
    lines = [_record(f"01{'BGMAX':<20}01{stamp}P"), _record(f"05{bg}{'':10}SEK")]
    n20 = n21 = n22 = 0
    total = 0
    for serial, p in enumerate(payments, start=1):
        code = "2" if p.reference else "1"
        tk = "21" if p.deduction else "20"
        sender = p.payer_bankgiro.replace("-", "").rjust(10, "0")
        body = f"{tk}{sender}{p.reference:>25}{p.amount_ore:018d}{code}1{serial:012d}0"
        if p.deduction:
            body += "3"
            n21 += 1
            total -= p.amount_ore
        else:
            n20 += 1
            total += p.amount_ore
        lines.append(_record(body))
        for extra in p.extra_references:
            n22 += 1
            lines.append(_record(f"22{'0' * 10}{extra:>25}{0:018d}21{serial:012d}0"))
        if p.text:
            lines.append(_record(f"25{p.text[:50]}"))
        if p.name:
            lines.append(_record(f"26{p.name[:35]:<35}"))
    deposit = total if deposit_total_ore is None else deposit_total_ore
    count = n20 + n21
    lines.append(_record(f"15{'0' * 35}{booked_on:%Y%m%d}{1:05d}{deposit:018d}SEK{count:08d}K"))
    lines.append(_record(f"70{n20:08d}{n21:08d}{n22:08d}{1:08d}"))
    return "".join(line + "\r\n" for line in lines).encode("iso-8859-1")


@dataclass
class CamtTx:
    amount: str
    name: str = ""
    references: list[str] = field(default_factory=list)
    message: str = ""
    debtor_iban: str = ""  # RltdPties/DbtrAcct/Id/IBAN
    debtor_other: str = ""  # RltdPties/DbtrAcct/Id/Othr/Id
    debtor_scheme: str = ""  # its SchmeNm: BGNR as Prtry, anything else as Cd


def _tx_xml(tx: CamtTx, ref: str) -> str:
    refs = "".join(
        f"<CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{r}</Ref></CdtrRefInf>" for r in tx.references
    )
    rmt = ""
    if refs:
        rmt += f"<Strd>{refs}</Strd>"
    if tx.message:
        rmt += f"<Ustrd>{tx.message}</Ustrd>"
    account = ""
    if tx.debtor_iban:
        account = f"<DbtrAcct><Id><IBAN>{tx.debtor_iban}</IBAN></Id></DbtrAcct>"
    elif tx.debtor_other:
        scheme = ""
        if tx.debtor_scheme:
            tag = "Prtry" if tx.debtor_scheme == "BGNR" else "Cd"
            scheme = f"<SchmeNm><{tag}>{tx.debtor_scheme}</{tag}></SchmeNm>"
        account = f"<DbtrAcct><Id><Othr><Id>{tx.debtor_other}</Id>{scheme}</Othr></Id></DbtrAcct>"
    return (
        f"<TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="SEK">{tx.amount}</Amt></TxAmt></AmtDtls>'
        f"<RltdPties><Dbtr><Nm>{tx.name}</Nm></Dbtr>{account}</RltdPties>"
        f"<RmtInf>{rmt}</RmtInf></TxDtls>"
    )


def camt053(
    entries: list[list[CamtTx]],
    *,
    booked_on: date = date(2026, 3, 5),
    declared_sum: str | None = None,
    declared_count: int | None = None,
) -> bytes:
    """A camt.053.001.02 statement: each entry is a credit with one or more transactions."""
    from decimal import Decimal

    body = []
    total = Decimal("0")
    for index, txs in enumerate(entries, start=1):
        amount = sum((Decimal(t.amount) for t in txs), Decimal("0"))
        total += amount
        details = "".join(_tx_xml(t, f"TX{index}-{n}") for n, t in enumerate(txs, start=1))
        body.append(
            f'<Ntry><Amt Ccy="SEK">{amount:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>{booked_on.isoformat()}</Dt></BookgDt><ValDt><Dt>{booked_on.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>E{index}</AcctSvcrRef><NtryDtls>{details}</NtryDtls></Ntry>"
        )
    count = len(entries) if declared_count is None else declared_count
    summed = f"{total:.2f}" if declared_sum is None else declared_sum
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>LK-TEST-1</MsgId><CreDtTm>2026-03-06T06:30:00+01:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S1</Id><CreDtTm>2026-03-06T06:30:00+01:00</CreDtTm>"
        "<Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id><Ccy>SEK</Ccy></Acct>"
        f"<TxsSummry><TtlCdtNtries><NbOfNtries>{count}</NbOfNtries><Sum>{summed}</Sum></TtlCdtNtries>"
        "<TtlDbtNtries><NbOfNtries>0</NbOfNtries><Sum>0</Sum></TtlDbtNtries></TxsSummry>"
        + "".join(body)
        + "</Stmt></BkToCstmrStmt></Document>"
    )
    return xml.encode("utf-8")
