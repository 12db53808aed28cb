"""Long reports come a page at a time: totals from sums kept in the store, rows read from
an offset; the sums follow every write and equal the sums of the rows."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.older_store import as_version_3
from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.entities.invoice import Invoice
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.report_tables import ReportRequest, payments, stock
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store, open_store

DAY = "2025-06-16"
METHODS = ("cash", "upi", "card", "bank")


@pytest.fixture
def busy(svc: ShopServices, clock: FixedClock) -> list[Invoice]:
    """23 items; 14 bills over a day, each paid by one of four methods, some in two
    parts; one returned in part and refunded, one cancelled and refunded."""
    for n in range(23):
        svc.catalog.create_item(
            name=f"Part {n:02d}", price=10 + n, code=f"P{n:02d}", stock=2 + n % 7, gst_rate=18
        )
    bob = svc.customers.create("9891112222", name="Bob")
    bills = []
    for n in range(14):
        clock.set(datetime(2025, 6, 16, 4, 0, tzinfo=UTC) + timedelta(minutes=10 * n))
        cart = svc.carts.create(customer=bob.id)
        svc.carts.add_item(cart.cart_id, f"P{(n % 17) + 6:02d}", 1)
        total = svc.carts.view(cart.cart_id).totals.total_amount
        first_part = total // 2 if n % 3 == 0 else total
        bills.append(
            svc.invoices.generate(cart.cart_id, paid_amount=first_part / 100, method=METHODS[n % 4])
        )
        if first_part != total:
            svc.payments.record(
                bills[-1].number,
                (total - first_part) / 100,
                method=METHODS[(n + 1) % 4],
            )
    svc.returns.create(bills[2].number, {0: 1}, method="cash", reason="damaged")
    svc.returns.cancel(bills[5].number, reason="wrong bill", refund=True, refund_method="cash")
    return bills


def _sums_match_rows(store: Store) -> None:
    engine = store.engine
    kept = sorted(
        engine.query("SELECT client, day, method, payments, amount FROM ledger_collections")
    )
    counted = sorted(
        engine.query(
            "SELECT client, day, method, COUNT(*), SUM(amount) "
            "FROM ledger_payments GROUP BY client, day, method"
        )
    )
    assert kept == counted and kept
    assert sorted(
        engine.query("SELECT client, items, low, value FROM ledger_stock_sums")
    ) == sorted(
        engine.query(
            "SELECT client, COUNT(*), SUM(is_low), SUM(value) FROM ledger_stock GROUP BY client"
        )
    )


def test_payment_pages_join_up_to_the_whole_period(
    svc: ShopServices, busy: list[dict[str, Any]]
) -> None:
    reports = svc.reports
    everything = reports.payment_report(DAY, DAY, limit=1000)
    assert everything.count == len(everything.rows) == 14 + 5 + 2  # parts, refunds
    paged = reports.payment_report(DAY, DAY, limit=4)
    assert len(paged.rows) == 4 and paged.count == everything.count
    assert (paged.by_method, paged.total) == (everything.by_method, everything.total)
    assert paged.total == sum(r.amount for r in everything.rows)
    pages = [reports.payment_rows(DAY, DAY, offset=o, limit=4) for o in range(0, 24, 4)]
    assert [r for page in pages for r in page] == everything.rows
    assert [r.paid_at for r in everything.rows] == sorted(r.paid_at for r in everything.rows)
    upi = reports.payment_report(DAY, DAY, "upi", limit=2)
    assert upi.count == sum(r.method == "upi" for r in everything.rows)
    assert upi.by_method == {"upi": sum(r.amount for r in everything.rows if r.method == "upi")}


def test_stock_pages_and_kept_totals(svc: ShopServices, busy: list[dict[str, Any]]) -> None:
    reports = svc.reports
    whole = reports.stock_report(limit=1000)
    assert whole.items == len(whole.rows) == 23
    assert whole.low_stock_items == sum(r.is_low for r in whole.rows)
    assert whole.total_value == sum(r.value for r in whole.rows)
    for low_first in (False, True):
        rows = reports.stock_report(low_stock_first=low_first, limit=1000).rows
        pages = [
            reports.stock_rows(low_stock_first=low_first, offset=o, limit=5)
            for o in range(0, 25, 5)
        ]
        assert [r for page in pages for r in page] == rows
    first = reports.stock_report(limit=5)
    assert (first.items, first.low_stock_items, first.total_value) == (
        whole.items,
        whole.low_stock_items,
        whole.total_value,
    )


def test_kept_sums_follow_every_write_and_a_new_time_zone(
    svc: ShopServices, store: Store, busy: list[dict[str, Any]]
) -> None:
    _sums_match_rows(store)
    item = svc.catalog.item_by_code("P03")
    svc.catalog.adjust_stock(item.id, new_stock=40)
    svc.catalog.set_active(svc.catalog.item_by_code("P04").id, False)
    svc.shop.update_settings(svc.client_id, timeZone="America/New_York")
    _sums_match_rows(store)
    store.rebuild_derived()
    _sums_match_rows(store)


def test_exports_are_whole_while_the_screen_gets_a_page(
    svc: ShopServices, busy: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import viveka_pos.services.report_tables as tables
    import viveka_pos.services.reports as reports

    monkeypatch.setattr(reports, "PAGE_ROWS", 3)
    monkeypatch.setattr(tables, "CHUNK_ROWS", 4)
    monkeypatch.setattr(reports.ReportService.payment_report, "__kwdefaults__", {"limit": 3})
    monkeypatch.setattr(
        reports.ReportService.stock_report, "__kwdefaults__", {"low_stock_first": False, "limit": 3}
    )
    day = datetime.fromisoformat(DAY).date()
    built = payments(svc, ReportRequest(day, day))
    assert len(built.table.rows) == 3 and built.row_count == 21
    rows = list(built.all_csv_rows())
    assert len(rows) == 21 and rows[:3] == built.csv_rows
    assert len(built.whole_table().rows) == 21
    assert built.summary.startswith("21 payment(s)")
    items = stock(svc, ReportRequest())
    assert len(list(items.all_csv_rows())) == 23 and len(items.csv_rows) == 3


def test_a_store_from_before_the_sums_gets_them_at_its_upgrade(
    svc: ShopServices, store: Store, busy: list[dict[str, Any]], tmp_path: Path, ctx: ServiceContext
) -> None:
    expected = svc.reports.payment_report(DAY, DAY)
    stock_before = svc.reports.stock_report()
    copy = tmp_path / "older"
    store.backup(copy)
    as_version_3(copy, "DROP TABLE ledger_collections", "DROP TABLE ledger_stock_sums")
    for read_only in (False, True):  # upgraded, then read as it is
        older = open_store(copy, read_only=read_only)
        try:
            again = ShopServices(
                ServiceContext(older, "pc-test", clock=ctx.clock),
                ShopService(ServiceContext(older, "pc-test")).local_shop().id,
            )
            assert again.reports.payment_report(DAY, DAY) == expected
            assert again.reports.stock_report() == stock_before
            _sums_match_rows(older)
        finally:
            older.close()
    shutil.rmtree(copy)


@pytest.mark.parametrize("chunk", [4, 1000])
def test_the_cli_prints_json_a_chunk_at_a_time_as_one_document(
    svc: ShopServices,
    busy: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
) -> None:
    import json

    import viveka_pos.cli.reports as cli_reports
    from viveka_pos.cli.reports import print_report_json, report_json

    monkeypatch.setattr(cli_reports, "JSON_CHUNK", chunk)

    day = datetime.fromisoformat(DAY).date()
    for built, name in (
        (payments(svc, ReportRequest(day, day)), "payments"),
        (stock(svc, ReportRequest()), "stock"),
        (payments(svc, ReportRequest(day.replace(year=2020), day.replace(year=2020))), "payments"),
    ):
        assert print_report_json(name, built) == built.row_count
        printed = capsys.readouterr().out
        assert (
            printed
            == json.dumps(
                report_json(name, built), ensure_ascii=False, indent=2, sort_keys=True, default=str
            )
            + "\n"
        )
        assert len(json.loads(printed)["rows"]) == built.row_count
