"""A whole month's GSTR-1, table by table, against figures worked out by hand.

Shop in Karnataka (29). May: one walk-in sale. June: B2B intra and inter-state, a B2C large
inter-state sale, B2C small sales intra and inter-state, a 0 % book, a cancelled bill and
credit notes on B2B, B2C small, B2C large and on May's bill. July: one sale. Only June's
documents may appear, and the totals are June's invoices less June's credit notes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.fixtures.stored import stored
from viveka_pos.domain import validation as v
from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.convert import paise_of
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.gstr1 import portal_json
from viveka_pos.services.gstr1_sheets import sheets, write_csv


def gstin(first14: str) -> str:
    return first14 + v.gstin_check_char(first14)


R1 = gstin("29AAACR1234K1Z")  # registered, Karnataka
R2 = gstin("27AAACM5678L1Z")  # registered, Maharashtra


def _on(clock: FixedClock, day: str) -> None:
    clock.set(datetime.fromisoformat(f"{day}T05:00:00").replace(tzinfo=UTC))


def _sell(
    svc: ShopServices, lines: dict[str, object], customer: object = None, paid: bool = True
) -> dict:
    cart = svc.carts.create(customer=customer)
    for code, qty in lines.items():
        svc.carts.add_item(cart.cart_id, code, qty)
    total = svc.carts.view(cart.cart_id).totals.total_amount
    if customer is None and not paid:  # credit has a name
        named = svc.customers.by_phone("9800000099") or svc.customers.create(
            "9800000099", name="Counter Credit"
        )
        svc.carts.set_customer(cart.cart_id, named.id)
    return stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=total / 100 if paid else 0))


@pytest.fixture
def june(svc: ShopServices, clock: FixedClock) -> dict:
    add = svc.catalog.create_item
    add(name="Brake Pad Set", price=1000, code="BP", stock=50, gst_rate=18, hsn_code="87083000")
    add(name="Helmet", price=500, code="HL", stock=50, gst_rate=5, hsn_code="65061010")
    add(
        name="Engine Oil",
        price=400,
        code="OIL",
        unit="litre",
        stock=50,
        gst_rate=18,
        hsn_code="27101980",
    )
    add(name="Service Manual", price=200, code="BK", stock=50, gst_rate=0, hsn_code="49011010")
    add(name="Truck Battery", price=60000, code="BAT", stock=50, gst_rate=18, hsn_code="85071000")
    r1 = svc.customers.create("9800000001", name="Ravi Motors", gst_no=R1)
    r2 = svc.customers.create("9800000002", name="Mumbai Auto", gst_no=R2)
    u1 = svc.customers.create(
        "9800000003", name="Sunil Patil", address="7 MG Road, Pune", state_code="Maharashtra"
    )
    docs: dict = {}
    _on(clock, "2025-05-20")
    docs["may"] = _sell(svc, {"HL": 1})  # A/2526/00001
    _on(clock, "2025-06-03")
    docs["b2b_intra"] = _sell(svc, {"BP": 2, "BK": 1}, r1.id)  # 00002
    docs["b2b_inter"] = _sell(svc, {"HL": 4}, r2.id, paid=False)  # 00003
    _on(clock, "2025-06-16")
    docs["b2cl"] = _sell(svc, {"BAT": 2}, u1.id)  # 00004
    docs["b2cs_intra"] = _sell(svc, {"HL": 3, "OIL": "1.5"})  # 00005
    docs["b2cs_inter"] = _sell(svc, {"BP": 1}, u1.id)  # 00006
    docs["cancelled"] = _sell(svc, {"BP": 1}, paid=False)  # 00007
    svc.returns.cancel(docs["cancelled"]["_id"], reason="billed by mistake")
    _on(clock, "2025-06-20")
    returns = svc.returns
    docs["cn_b2b"] = returns.create(docs["b2b_intra"]["_id"], {0: 1})  # CN 00001
    docs["cn_b2cs"] = returns.create(docs["b2cs_intra"]["_id"], {0: 1})  # CN 00002
    docs["cn_b2cl"] = returns.create(docs["b2cl"]["_id"], {0: 1})  # CN 00003
    docs["cn_may"] = returns.create(docs["may"]["_id"], {0: 1})  # CN 00004
    _on(clock, "2025-07-01")
    docs["july"] = _sell(svc, {"BP": 1}, r1.id)
    returns.create(docs["july"]["_id"], {0: 1})
    return docs


def test_june_table_by_table(svc: ShopServices, june: dict) -> None:
    data = portal_json(svc.gstr1.build("2025-06"))
    assert (data["gstin"], data["fp"]) == ("29ABCDE1234F1ZW", "062025")
    assert data["b2b"] == [
        {
            "ctin": R2,
            "inv": [
                {
                    "inum": "A/2526/00003",
                    "idt": "03-06-2025",
                    "val": 2100.0,
                    "pos": "27",
                    "rchrg": "N",
                    "inv_typ": "R",
                    "itms": [
                        {
                            "num": 501,
                            "itm_det": {"rt": 5, "txval": 2000.0, "iamt": 100.0, "csamt": 0},
                        }
                    ],
                }
            ],
        },
        {
            "ctin": R1,
            "inv": [
                {
                    "inum": "A/2526/00002",
                    "idt": "03-06-2025",
                    "val": 2560.0,
                    "pos": "29",
                    "rchrg": "N",
                    "inv_typ": "R",
                    "itms": [
                        {
                            "num": 1801,
                            "itm_det": {
                                "rt": 18,
                                "txval": 2000.0,
                                "camt": 180.0,
                                "samt": 180.0,
                                "csamt": 0,
                            },
                        }
                    ],
                }
            ],
        },
    ]
    assert data["b2cl"] == [
        {
            "pos": "27",
            "inv": [
                {
                    "inum": "A/2526/00004",
                    "idt": "16-06-2025",
                    "val": 141600.0,
                    "itms": [
                        {
                            "num": 1801,
                            "itm_det": {"rt": 18, "txval": 120000.0, "iamt": 21600.0, "csamt": 0},
                        }
                    ],
                }
            ],
        }
    ]
    # helmets in Karnataka: 1500 sold in June, less 500 (June's return) and 500 (May's bill)
    assert data["b2cs"] == [
        {
            "sply_ty": "INTER",
            "pos": "27",
            "typ": "OE",
            "rt": 18,
            "txval": 1000.0,
            "iamt": 180.0,
            "csamt": 0,
        },
        {
            "sply_ty": "INTRA",
            "pos": "29",
            "typ": "OE",
            "rt": 5,
            "txval": 500.0,
            "camt": 12.5,
            "samt": 12.5,
            "csamt": 0,
        },
        {
            "sply_ty": "INTRA",
            "pos": "29",
            "typ": "OE",
            "rt": 18,
            "txval": 600.0,
            "camt": 54.0,
            "samt": 54.0,
            "csamt": 0,
        },
    ]
    assert data["cdnr"] == [
        {
            "ctin": R1,
            "nt": [
                {
                    "ntty": "C",
                    "nt_num": "CN-A/2526/00001",
                    "nt_dt": "20-06-2025",
                    "val": 1180.0,
                    "pos": "29",
                    "rchrg": "N",
                    "inv_typ": "R",
                    "itms": [
                        {
                            "num": 1801,
                            "itm_det": {
                                "rt": 18,
                                "txval": 1000.0,
                                "camt": 90.0,
                                "samt": 90.0,
                                "csamt": 0,
                            },
                        }
                    ],
                }
            ],
        }
    ]
    assert data["cdnur"] == [
        {
            "typ": "B2CL",
            "ntty": "C",
            "nt_num": "CN-A/2526/00003",
            "nt_dt": "20-06-2025",
            "val": 70800.0,
            "pos": "27",
            "itms": [
                {"num": 1801, "itm_det": {"rt": 18, "txval": 60000.0, "iamt": 10800.0, "csamt": 0}}
            ],
        }
    ]
    assert data["nil"] == {
        "inv": [{"sply_ty": "INTRAB2B", "expt_amt": 0, "nil_amt": 200.0, "ngsup_amt": 0}]
    }

    values: list[int] = []

    def hsn(code, desc, uqc, qty, rt, val, txval, iamt, camt, samt, num):
        values.append(val * 100)  # the total value (the sheet's column), checked below
        return {
            "num": num,
            "hsn_sc": code,
            "desc": desc,
            "uqc": uqc,
            "qty": qty,
            "rt": rt,
            "txval": txval,
            "iamt": iamt,
            "camt": camt,
            "samt": samt,
            "csamt": 0,
        }

    assert data["hsn"]["hsn_b2b"] == [
        hsn("49011010", "Service Manual", "NOS", 1.0, 0, 200, 200.0, 0.0, 0.0, 0.0, 1),
        hsn("65061010", "Helmet", "NOS", 4.0, 5, 2100, 2000.0, 100.0, 0.0, 0.0, 2),
        hsn("87083000", "Brake Pad Set", "NOS", 1.0, 18, 1180, 1000.0, 0.0, 90.0, 90.0, 3),
    ]
    assert data["hsn"]["hsn_b2c"] == [
        hsn("27101980", "Engine Oil", "LTR", 1.5, 18, 708, 600.0, 0.0, 54.0, 54.0, 1),
        hsn("65061010", "Helmet", "NOS", 1.0, 5, 525, 500.0, 0.0, 12.5, 12.5, 2),
        hsn("85071000", "Truck Battery", "NOS", 1.0, 18, 70800, 60000.0, 10800.0, 0.0, 0.0, 3),
        hsn("87083000", "Brake Pad Set", "NOS", 1.0, 18, 1180, 1000.0, 180.0, 0.0, 0.0, 4),
    ]
    report = svc.gstr1.build("2025-06")
    assert [row.value for row in report.hsn_b2b + report.hsn_b2c] == values
    assert data["doc_issue"] == {
        "doc_det": [
            {
                "doc_num": 1,
                "doc_typ": "Invoices for outward supply",
                "docs": [
                    {
                        "num": 1,
                        "from": "A/2526/00002",
                        "to": "A/2526/00007",
                        "totnum": 6,
                        "cancel": 1,
                        "net_issue": 5,
                    }
                ],
            },
            {
                "doc_num": 5,
                "doc_typ": "Credit Note",
                "docs": [
                    {
                        "num": 1,
                        "from": "CN-A/2526/00001",
                        "to": "CN-A/2526/00004",
                        "totnum": 4,
                        "cancel": 0,
                        "net_issue": 4,
                    }
                ],
            },
        ]
    }
    json.dumps(data)  # plain JSON throughout


def test_totals_are_the_months_invoices_less_its_credit_notes(
    svc: ShopServices, june: dict
) -> None:
    report = svc.gstr1.build("2025-06")
    db = svc.ctx.store.db
    invoices = [
        d
        for d in db.invoices.find({})
        if d["invoiceDate"].startswith("2025-06") and not d.get("isCancelled")
    ]
    notes = [d for d in db.creditnotes.find({}) if d["creditNoteDate"].startswith("2025-06")]

    def total(docs: list, key: str) -> int:
        return sum(paise_of(d[key]) for d in docs)

    assert (
        report.net_taxable()
        == total(invoices, "totalTaxable") - total(notes, "totalTaxable")
        == 6530000
    )
    tax = report.net_tax()
    assert tax.igst == total(invoices, "totalIgst") - total(notes, "totalIgst")
    assert tax.cgst == total(invoices, "totalCgst") - total(notes, "totalCgst")
    assert tax.sgst == total(invoices, "totalSgst") - total(notes, "totalSgst")
    hsn_value = sum(r.value for r in report.hsn_b2b + report.hsn_b2c)
    assert hsn_value == total(invoices, "totalAmount") - total(notes, "totalAmount")


def test_sheets_and_csv_files(svc: ShopServices, june: dict, tmp_path) -> None:
    report = svc.gstr1.build("2025-06")
    by_name = {sheet.name: sheet for sheet in sheets(report)}
    assert by_name["b2cl"].rows == [
        [
            "A/2526/00004",
            "16-Jun-2025",
            "141600.00",
            "27-Maharashtra",
            "",
            "",
            "18",
            "120000.00",
            "21600.00",
            "0.00",
            "0.00",
            "0.00",
        ]
    ]
    assert by_name["cdnr"].rows[0][-2:] == ["A/2526/00002", "03-Jun-2025"]
    assert by_name["hsn_b2c"].rows[0][2] == "LTR-LITRES"
    assert by_name["docs"].rows[0] == [
        "Invoices for outward supply",
        "A/2526/00002",
        "A/2526/00007",
        "6",
        "1",
        "5",
    ]
    files = write_csv(report, tmp_path / "out")
    assert sorted(p.name for p in files) == sorted(f"gstr1_062025_{name}.csv" for name in by_name)
    text = (tmp_path / "out" / "gstr1_062025_b2cs.csv").read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("OE,27-Maharashtra,18,,1000.00,180.00")


def test_a_month_with_nothing_and_a_bad_month(svc: ShopServices, june: dict) -> None:
    empty = portal_json(svc.gstr1.build("2025-03"))
    assert empty["b2b"] == [] and empty["doc_issue"] == {"doc_det": []}
    for bad in ("2025-13", "June", "2025-6", ""):
        with pytest.raises(ValidationError) as err:
            svc.gstr1.build(bad)
        assert err.value.field == "month"


def test_only_the_months_documents_are_read(
    svc: ShopServices, june: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The month is found through the date indexes: no document outside it is decoded."""
    engine = svc.ctx.store.engine
    engine._cache.clear()  # every document read below is decoded from the file
    read: list = []
    original = engine._decode

    def counting(body: bytes) -> dict:
        doc = original(body)
        if "invoiceDate" in doc or "creditNoteDate" in doc:
            read.append(doc)
        return doc

    monkeypatch.setattr(engine, "_decode", counting)
    svc.gstr1.build("2025-06")
    months = {(doc.get("creditNoteDate") or doc["invoiceDate"])[:7] for doc in read}
    assert read and months <= {"2025-06", "2025-05"}  # May: the invoice a June note names


def test_fractional_rates_with_prices_including_tax(svc: ShopServices) -> None:
    """Gold at 3 % and a cut diamond at 0.25 %, prices including tax: halves equal on the bill,
    the credit note and in the return (rt 3 and 0.25, numbered 301 and 26)."""
    svc.shop.update_settings(svc.client_id, pricesIncludeTax=True)
    svc.catalog.create_item(
        name="Gold chain 22K", price=61800, code="GC", stock=3, gst_rate=3, hsn_code="71131910"
    )
    svc.catalog.create_item(
        name="Diamond 0.5 ct",
        price=100250,
        code="DM",
        stock=3,
        gst_rate="0.25",
        hsn_code="71023910",
    )
    buyer = svc.customers.create("9800000009", name="Meera", address="1 Temple St", state_code="29")
    cart = svc.carts.create(customer=buyer.id)
    svc.carts.add_item(cart.cart_id, "GC", 1)
    svc.carts.add_item(cart.cart_id, "DM", 1)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=162050))
    gold, diamond = invoice["products"]
    # gold: half = 61800 × 1.5 / 103 = 900.00; diamond: half = 100250 × 0.125 / 100.25 = 125.00
    assert (gold["cgst"], gold["sgst"], gold["taxableValue"]) == (900, 900, 60000)
    assert (diamond["cgst"], diamond["sgst"], diamond["taxableValue"]) == (125, 125, 100000)
    assert diamond["gstRate"] == 0.25
    note = stored(svc, svc.returns.create(invoice["_id"], {1: 1}))
    assert (note["totalCgst"], note["totalSgst"], note["totalTaxable"]) == (125, 125, 100000)
    data = portal_json(svc.gstr1.build("2025-06"))
    assert data["b2cs"] == [  # the diamond came back: its row nets to nothing, left out
        {
            "sply_ty": "INTRA",
            "pos": "29",
            "typ": "OE",
            "rt": 3,
            "txval": 60000.0,
            "camt": 900.0,
            "samt": 900.0,
            "csamt": 0,
        }
    ]
    assert [h["rt"] for h in data["hsn"]["hsn_b2c"]] == [3]
    cart = svc.carts.create(customer=buyer.id)  # over ₹50,000: Rule 46 wants the buyer
    svc.carts.add_item(cart.cart_id, "DM", 1)
    svc.invoices.generate(cart.cart_id, paid_amount=100250)
    assert [(r["rt"], r["txval"]) for r in portal_json(svc.gstr1.build("2025-06"))["b2cs"]] == [
        (0.25, 100000.0),
        (3, 60000.0),
    ]
