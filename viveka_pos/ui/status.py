"""Today's sales for the status bar, from the report service's day ledger."""

from __future__ import annotations

from ..services.facade import ShopServices
from ..services.formatting import money


def today_sales_text(services: ShopServices) -> str:
    totals = services.reports.day_book().totals
    bills = "bill" if totals.bills == 1 else "bills"
    return f"Today: {money(totals.sales)} · {totals.bills} {bills}"
