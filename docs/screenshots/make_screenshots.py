"""Render every screen of the app with the demo shop at 1366 × 768 into PNGs beside this file.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_screenshots.py [--out DIR]

A fresh demo shop is made in a temporary data folder with a fixed clock, so the pictures
are the same from run to run. Dialogs are drawn over the window as they appear on screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from PySide6.QtCore import QPoint, QSize, QThreadPool, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QWidget  # noqa: E402

from viveka_pos.domain.clock import FixedClock  # noqa: E402
from viveka_pos.services.context import ServiceContext  # noqa: E402
from viveka_pos.services.demo import create_demo_shop  # noqa: E402
from viveka_pos.services.facade import ShopServices  # noqa: E402
from viveka_pos.store import open_store  # noqa: E402
from viveka_pos.ui.dialogs.customer_lookup import CustomerLookupDialog  # noqa: E402
from viveka_pos.ui.dialogs.first_run import FirstRunDialog  # noqa: E402
from viveka_pos.ui.dialogs.item_editor import ItemDialog  # noqa: E402
from viveka_pos.ui.dialogs.join import JoinDialog  # noqa: E402
from viveka_pos.ui.dialogs.parked import ParkedBillsDialog  # noqa: E402
from viveka_pos.ui.dialogs.payment import PaymentDialog  # noqa: E402
from viveka_pos.ui.dialogs.sales_return import ReturnDialog  # noqa: E402
from viveka_pos.ui.main_window import MainWindow  # noqa: E402
from viveka_pos.ui.theme import apply_theme  # noqa: E402
from viveka_pos.ui.workers import running_jobs  # noqa: E402

SIZE = QSize(1366, 768)
NOW = datetime(2025, 6, 16, 9, 30, tzinfo=UTC)  # 3 pm in India, a Monday


def settle(app: QApplication, seconds: float = 0.3) -> None:
    """Let workers finish and the event loop paint."""
    deadline = time.monotonic() + 15
    end = time.monotonic() + seconds
    while time.monotonic() < end or (running_jobs() and time.monotonic() < deadline):
        app.processEvents()
        time.sleep(0.01)


def with_dialog(window: QWidget, dialog: QDialog, prepare: Callable[[QDialog], None]) -> QPixmap:
    """The window with ``dialog`` drawn centred over it, as the user sees it."""
    dialog.show()
    prepare(dialog)
    QApplication.processEvents()
    dialog.adjustSize()
    QApplication.processEvents()
    base = window.grab()
    shot = dialog.grab()
    painter = QPainter(base)
    painter.fillRect(base.rect(), QColor(0, 0, 0, 60))  # the window dims behind a dialog
    top_left = QPoint((base.width() - shot.width()) // 2, (base.height() - shot.height()) // 3)
    painter.drawPixmap(top_left, shot)
    painter.end()
    dialog.close()
    return base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app)
    with tempfile.TemporaryDirectory(prefix="viveka-shots-") as data:
        store = open_store(data)
        try:
            ctx = ServiceContext(store=store, device_id="pc-shots", clock=FixedClock(NOW))
            written = shoot(app, ctx, out)
        finally:
            QThreadPool.globalInstance().waitForDone(10_000)
            store.close()
    for path in written:
        print(path)
    return 0


def shoot(app: QApplication, ctx: ServiceContext, out: Path) -> list[Path]:
    written: list[Path] = []

    def save(pixmap: QPixmap, name: str) -> None:
        path = out / f"{name}.png"
        pixmap.save(str(path))
        written.append(path)

    first_run = FirstRunDialog(ctx)
    first_run.resize(620, first_run.sizeHint().height())
    first_run.show()
    settle(app, 0.1)
    save(first_run.grab(), "first-run")
    first_run.close()

    join = JoinDialog(ctx)
    join.phone.setText("9876500001")
    join.resize(620, join.sizeHint().height())
    join.show()
    settle(app, 0.1)
    save(join.grab(), "first-run-join")
    join.close()

    shop = create_demo_shop(ctx)
    services = ShopServices(ctx, shop.id)
    window = MainWindow(services)
    window.ask_before_parking = False  # the shots end with the window closed, not asked
    window.resize(SIZE)
    window.show()
    settle(app)

    lamp = services.catalog.item_by_code("8903006")  # sold out: Inventory and billing say so
    services.catalog.adjust_stock(lamp.id, new_stock=0, note="Sold out")

    billing = window.screen("billing")
    customer = services.customers.by_phone("9880123456")
    for code in ("8901002", "8902001", "8903004", "8901005"):
        billing.scan(code)
    view = services.carts.set_quantity(billing.cart_id, billing.view.lines[2].id, 10)
    view = services.carts.set_customer(billing.cart_id, customer.id)
    billing._show_view(view)
    billing.search.setText("brake")
    billing.say("Added Engine oil 20W40 1 L (scanned)")
    settle(app)
    save(window.grab(), "billing")

    total = billing.view.totals.total_amount
    payment = PaymentDialog(window, total, lambda *a: None, customer="Sri Ganesh Motors 9880123456")
    save(with_dialog(window, payment, lambda d: d.amount.setText("2000")), "billing-payment")

    lookup = CustomerLookupDialog(window, services.customers)
    save(with_dialog(window, lookup, lambda d: d.query.setText("9845")), "billing-customer")

    walk_in = PaymentDialog(
        window, total, lambda *a: None, customer="Walk-in customer", walk_in=True
    )
    save(with_dialog(window, walk_in, lambda d: d.amount.setText("0")), "billing-credit")

    box, _keep = billing.park_notice(billing.view)
    save(with_dialog(window, box, lambda d: None), "billing-close")

    billing.park_on_close(ask=False)  # as at closing: kept, labelled "Left open …"
    billing._forget_cart()
    billing.scan("8903006")  # the sold-out lamp: refused when scanned, not at payment
    billing.search.clear()
    settle(app)
    save(window.grab(), "billing-out-of-stock")
    parked = ParkedBillsDialog(
        window, billing._parked_carts(), lambda _id: None, zone="Asia/Kolkata"
    )
    save(with_dialog(window, parked, lambda d: None), "billing-parked")

    window.show_screen("inventory")
    settle(app)
    save(window.grab(), "inventory")
    inventory = window.screen("inventory")
    item = services.catalog.item_by_code("8902001")
    inventory.select_item(item.id)
    editor = ItemDialog(window, services.catalog, item)

    def clash(dialog: QDialog) -> None:
        assert isinstance(dialog, ItemDialog)
        dialog.code.setText("8901002")
        dialog.accept()

    save(with_dialog(window, editor, clash), "inventory-edit-error")

    customers = window.show_screen("customers")
    customers.select_customer(customer.id)
    settle(app)
    save(window.grab(), "customers")

    invoices = sorted(services.invoices.for_customer(customer.id), key=lambda d: d.number)
    returned = next(d for d in invoices if len(d.lines) >= 2)
    back = ReturnDialog(window, services, returned)

    def take_back(dialog: QDialog) -> None:
        assert isinstance(dialog, ReturnDialog)
        dialog.table.item(0, 6).setText("1")
        dialog.reason.setText("Wrong size")
        dialog.table.setCurrentCell(0, 6)

    save(with_dialog(window, back, take_back), "customers-return")
    services.returns.create(returned.id, {0: 1}, reason="Wrong size")
    today = [
        d
        for d in ctx.store.iter_docs("invoices")
        if d["invoiceDate"] == ctx.today().isoformat() and not d["isFinalized"]
    ]
    if today:
        services.returns.cancel(today[0]["_id"], reason="Billed twice")

    dealers = window.show_screen("dealers")
    dealers_list = services.dealers.dealers()
    if dealers_list:
        dealers.select_dealer(dealers_list[0].id)
    settle(app)
    save(window.grab(), "dealers")

    reports = window.show_screen("reports")
    settle(app, 0.6)
    save(window.grab(), "reports-dashboard")
    reports.preset.setCurrentText("This month")
    reports.list.setCurrentRow(1)
    settle(app, 0.6)
    save(window.grab(), "reports-daybook")
    reports.list.setCurrentRow(4)
    settle(app, 0.6)
    save(window.grab(), "reports-gst")
    reports.list.setCurrentRow(reports.list.count() - 1)
    reports.gstr1.month.setDate(reports.gstr1.month.date().addMonths(1))  # this month
    reports.gstr1.run()
    settle(app, 0.8)
    reports.gstr1.tabs.setCurrentIndex(2)  # B2CS
    settle(app, 0.2)
    save(window.grab(), "reports-gstr1")

    settings = window.show_screen("settings")
    settle(app)
    save(window.grab(), "settings")
    settings.tabs.setCurrentIndex(2)
    settle(app)
    save(window.grab(), "settings-this-pc")
    settings.tabs.setCurrentIndex(4)
    settle(app)
    save(window.grab(), "settings-sync")

    window.close()
    QTimer.singleShot(0, app.quit)
    return written


if __name__ == "__main__":
    sys.exit(main())
