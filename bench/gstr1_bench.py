"""GSTR-1 of one month in a shop with years of bills: it must read that month only.

    .venv/bin/python bench/dataset.py --out /tmp/viveka-s1 --scale S1
    .venv/bin/python bench/gstr1_bench.py --data /tmp/viveka-s1

Prints the time to build the last full month's return beside the time of one plain pass over
every invoice (what any report that scans history pays), and how many invoices the build
decoded beside how many the month has. Budgets are ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import open_store

BUILD_VS_SCAN_BUDGET = 0.25  # the month's build at most a quarter of one scan of history
READ_VS_MONTH_BUDGET = 1.0  # decodes no invoice outside the month


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    args = parser.parse_args()
    store = open_store(args.data, sweep=False)
    try:
        ctx = ServiceContext(store, "pc-bench")
        shop = ShopService(ctx).local_shop()
        assert shop is not None, "no shop in this data folder: build one with bench/dataset.py"
        services = ShopServices(ctx, shop.id)

        started = time.perf_counter()
        newest, count = "", 0
        for doc in store.iter_docs("invoices"):
            newest = max(newest, doc.get("invoiceDate", ""))
            count += 1
        scan = time.perf_counter() - started
        year, month = int(newest[:4]), int(newest[5:7]) - 1 or 12
        year -= 1 if month == 12 else 0
        period = f"{year:04d}-{month:02d}"

        # a find looks a document up twice (by the index's key and by its id): count it once
        decoded: set[str] = set()
        engine = store.engine
        get_doc = engine.get_doc

        def counting(name: str, doc_id: object) -> object:
            if name.endswith(".invoices"):
                decoded.add(str(doc_id))
            return get_doc(name, doc_id)

        engine.get_doc = counting  # type: ignore[method-assign]
        started = time.perf_counter()
        report = services.gstr1.build(period)
        build = time.perf_counter() - started
        engine.get_doc = get_doc  # type: ignore[method-assign]
        in_month = sum(
            1
            for doc in store.iter_docs("invoices")
            if doc.get("invoiceDate", "").startswith(period)
        )
    finally:
        store.close()
    print(f"invoices in the shop        {count:>9}")
    print(
        f"invoices in {period}        {in_month:>9}  decoded by the build {len(decoded)}"
        f"  (budget ≤ {READ_VS_MONTH_BUDGET:.0%} of the month: "
        f"{'ok' if len(decoded) <= in_month * READ_VS_MONTH_BUDGET else 'OVER'})"
    )
    print(f"one scan of every invoice   {scan * 1000:>9.1f} ms")
    print(
        f"GSTR-1 of {period}          {build * 1000:>9.1f} ms  = {build / scan:.2f} × scan "
        f"(budget ≤ {BUILD_VS_SCAN_BUDGET}: "
        f"{'ok' if build <= scan * BUILD_VS_SCAN_BUDGET else 'OVER'})"
    )
    print(
        f"net taxable {report.net_taxable() / 100:,.2f} in {len(report.b2b)} B2B invoices, "
        f"{len(report.b2cs)} B2CS rows, {len(report.hsn_b2c)} HSN (B2C) rows"
    )


if __name__ == "__main__":
    main()
