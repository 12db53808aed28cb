"""``viveka-pos --self-test``: prove that an installation works, without touching shop data.

Installers run it on a freshly built bundle and support staff run it on a shop PC: it makes
a throw-away store in a temporary folder, bills a sale end to end through the services,
renders the documents a shop prints, and starts Qt offscreen. Every step prints one line;
the first failure prints what went wrong (an unexpected error also puts its traceback on
stderr) and the command exits 1. Nothing here reads or writes the user's data folder.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

PASSED = "self-test passed"
FAILED = "self-test FAILED"
MIN_A4_BYTES = 8_000
"""An A4 invoice with embedded DejaVu subsets is tens of kB; a few kB means an empty page."""
MIN_RECEIPT_BYTES = 4_000


class SelfTestError(Exception):
    """A check that did not hold; the message says which and what was found."""


class StepSkipped(Exception):
    """The step cannot run in this build; the message says why."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestError(message)


def rs(paise: int) -> str:
    """Rupees for a console line; plain ASCII since a Windows console may lack the ₹ sign."""
    return f"Rs {paise / 100:.2f}"


@dataclass
class Bill:
    """What the billing steps hand to the later ones."""

    invoice: dict[str, Any] = field(default_factory=dict)
    payments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Run:
    """State shared by the steps of one self-test."""

    data_dir: Path
    store: Any = None
    ctx: Any = None
    services: Any = None
    shop: dict[str, Any] = field(default_factory=dict)
    bill: Bill = field(default_factory=Bill)


# -- steps --------------------------------------------------------------------------------


def system_name() -> str:
    """The operating system and processor, e.g. ``Windows 10.0.19045 AMD64``.

    On Windows this avoids ``platform.system()``/``machine()``: they ask WMI, which is slow
    or broken on some PCs (and missing under Wine), and a self-test must not hang on it.
    """
    if sys.platform == "win32":
        version = sys.getwindowsversion()
        machine = os.environ.get("PROCESSOR_ARCHITECTURE", "")
        return f"Windows {version.major}.{version.minor}.{version.build} {machine}".rstrip()
    return f"{platform.system()} {platform.machine()}"


def step_environment(run: Run) -> str:
    frozen = "frozen bundle" if getattr(sys, "frozen", False) else "Python install"
    return (
        f"Python {platform.python_version()} on {system_name()}, {frozen}, "
        f"Qt platform {os.environ['QT_QPA_PLATFORM']}"
    )


def step_resources(run: Run) -> str:
    from .printing.fonts import BOLD, REGULAR, register_fonts
    from .resources import font_file, resources_dir

    folder = resources_dir()
    for name in (REGULAR, BOLD):
        check(font_file(name).is_file(), f"font file {font_file(name)} is missing")
    register_fonts()
    counts = {}
    for sub, pattern in (("styles", "*.qss"), ("icons", "*.svg")):
        counts[sub] = len(list((folder / sub).glob(pattern)))
        check(counts[sub] > 0, f"no {pattern} files in {folder / sub}")
    return f"fonts, {counts['styles']} stylesheet(s), {counts['icons']} icon(s) in {folder}"


def step_time_zone(run: Run) -> str:
    """Shop dates need the time-zone database: Windows has none, the bundle carries tzdata."""
    from zoneinfo import ZoneInfo

    from .domain.clock import DEFAULT_TIME_ZONE, shop_zone

    check(
        isinstance(shop_zone(DEFAULT_TIME_ZONE), ZoneInfo),
        f"no time-zone data for {DEFAULT_TIME_ZONE}: the tzdata package is missing",
    )
    return f"{DEFAULT_TIME_ZONE} from the time-zone database"


def step_store(run: Run) -> str:
    from .config import load_device_id
    from .services.context import ServiceContext
    from .store import open_store

    run.store = open_store(run.data_dir)
    run.ctx = ServiceContext(store=run.store, device_id=load_device_id(run.data_dir))
    return f"new store in {run.data_dir}, device {run.ctx.device_id}"


def step_demo_shop(run: Run) -> str:
    from .services.demo import create_demo_shop
    from .services.facade import ShopServices

    shop = create_demo_shop(run.ctx)
    run.services = ShopServices(run.ctx, shop.id)
    run.shop = run.services.shop.document_for_print()
    db = run.store.db
    items = db.items.count_documents({"clientId": shop.id})
    invoices = db.invoices.count_documents({"clientId": shop.id})
    check(items > 0, "the demo shop has no items")
    return f"{shop.business_name}: {items} items, {invoices} past invoices"


def step_bill(run: Run) -> str:
    from .services.convert import quantity_of

    services = run.services
    db = services.ctx.store.db
    customer = db.clientCustomers.find_one({"clientId": services.client_id})
    check(customer is not None, "the demo shop has no customers")
    items = sorted(
        db.items.find({"clientId": services.client_id}), key=lambda item: str(item.get("code", ""))
    )
    picked = [item for item in items if quantity_of(item.get("stock")) >= 2][:2]
    check(len(picked) == 2, "the demo shop has fewer than two items in stock")
    sold = {picked[0]["_id"]: 2, picked[1]["_id"]: 1}
    stock_before = {item["_id"]: quantity_of(item["stock"]) for item in picked}
    cart = services.carts.create(customer=customer["_id"])
    for item_id, quantity in sold.items():
        view = services.carts.add_item(cart.cart_id, item_id, quantity)
    check(len(view.lines) == 2, f"the cart has {len(view.lines)} lines, expected 2")
    total = view.totals.total_amount
    check(total > 0, "the cart total is zero")
    part = max(total // 2 // 100 * 100, 1)
    invoice = services.invoices.generate(cart.cart_id, paid_amount=part / 100, method="cash")
    check(
        invoice.total_amount == total,
        f"invoice total {rs(invoice.total_amount)} differs from the cart total {rs(total)}",
    )
    check(
        invoice.paid_amount == part,
        f"paid amount {rs(invoice.paid_amount)} after paying {rs(part)}",
    )
    check(not invoice.is_finalized, "a part-paid invoice was marked as fully paid")
    for item_id, before in stock_before.items():
        after = quantity_of(db.items.find_one({"_id": item_id})["stock"])
        check(
            after == before - sold[item_id],
            f"stock of an item went from {before} to {after}, expected {before - sold[item_id]}",
        )
    run.bill.invoice = services.invoices.document(invoice.id)
    return f"invoice {invoice.number} for {rs(total)}, {rs(part)} paid, stock taken"


def step_payment(run: Run) -> str:
    from .services.convert import paise_of

    services = run.services
    invoice = run.bill.invoice
    balance = paise_of(invoice["totalAmount"]) - paise_of(invoice["paidAmount"])
    after = services.payments.record(
        invoice["_id"], balance / 100, method="upi", note="self-test balance"
    )
    check(after.is_finalized, "the invoice is not finalized after the full payment")
    check(
        after.paid_amount == after.total_amount,
        f"paid {rs(after.paid_amount)} of {rs(after.total_amount)}",
    )
    run.bill.invoice = services.invoices.document(invoice["_id"])
    run.bill.payments = services.payments.documents_for_invoice(invoice["_id"])
    check(len(run.bill.payments) == 2, f"{len(run.bill.payments)} payments, expected 2")
    return f"balance {rs(balance)} by UPI; invoice fully paid"


def step_hash_chain(run: Run) -> str:
    from .domain.hashchain import invoice_hash, verify_chain

    services = run.services
    problems = services.invoices.verify()
    check(not problems, "hash chain broken: " + "; ".join(problems[:3]))
    invoice = run.bill.invoice
    check(
        invoice_hash(invoice, invoice["prevHash"]) == invoice["hash"],
        f"invoice {invoice['invoiceNumber']} does not match its hash",
    )
    tampered = {**invoice, "totalAmount": invoice["totalAmount"] + 1}
    check(
        bool(verify_chain([tampered], genesis=invoice["prevHash"])),
        "an edited invoice was not detected",
    )
    count = services.ctx.store.db.invoices.count_documents({"clientId": services.client_id})
    return f"{count} invoices verified; an edit is detected"


def _check_pdf(name: str, data: bytes, minimum: int) -> str:
    check(data.startswith(b"%PDF-"), f"the {name} does not start with %PDF-")
    check(b"%%EOF" in data[-64:], f"the {name} is cut short (no %%EOF)")
    check(len(data) >= minimum, f"the {name} is only {len(data)} bytes")
    return f"{len(data):,} bytes"


def step_a4_pdf(run: Run) -> str:
    from .printing import render_invoice_a4

    data = render_invoice_a4(run.bill.invoice, run.shop, run.bill.payments)
    return "tax invoice PDF, " + _check_pdf("A4 invoice", data, MIN_A4_BYTES)


def step_receipt_pdf(run: Run) -> str:
    from .printing import render_receipt

    data = render_receipt(run.bill.invoice, run.shop, run.bill.payments, width_mm=80)
    return "80 mm receipt PDF, " + _check_pdf("thermal receipt", data, MIN_RECEIPT_BYTES)


def unfinished_ui(exc: ImportError) -> bool:
    """A module of our own UI is missing (a build without it), not a library of the bundle.

    The bundle takes every module of ``viveka_pos``, so in a bundle this can only mean the
    source had no such module; a missing Qt or other library is a real failure.
    """
    return (exc.name or "").startswith("viveka_pos.ui")


def platform_plugin(plugins_dir: Path, platform_name: str) -> Path | None:
    """The Qt platform plugin file for ``platform_name`` (``qoffscreen.dll``, ...)."""
    folder = plugins_dir / "platforms"
    stem = f"q{platform_name.lower()}"
    candidates = folder.glob("*q*") if folder.is_dir() else []
    for path in sorted(candidates):
        if path.stem.lower().removeprefix("lib") == stem:
            return path
    return None


def step_qt(run: Run) -> str:
    from PySide6.QtCore import QLibraryInfo, QThreadPool
    from PySide6.QtGui import QFontDatabase
    from PySide6.QtWidgets import QApplication

    from .printing.fonts import REGULAR
    from .resources import font_file

    existing = QApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        raise SelfTestError("a Qt application without windows is already running here")
    app = existing
    if app is None:
        # Without its platform plugin Qt aborts the process; say so in words instead.
        plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
        name = os.environ["QT_QPA_PLATFORM"].split(":")[0]
        check(
            platform_plugin(plugins, name) is not None,
            f"the Qt platform plugin '{name}' is missing from {plugins / 'platforms'}",
        )
        app = QApplication([sys.argv[0]])
    font_id = QFontDatabase.addApplicationFont(str(font_file(REGULAR)))
    check(font_id >= 0, "Qt could not load the bundled DejaVu font")
    try:
        from .ui.main_window import SCREENS, MainWindow
        from .ui.theme import apply_theme
    except ImportError as exc:
        if not unfinished_ui(exc):
            raise
        raise StepSkipped(
            f"platform {app.platformName()} works; the main window is not importable ({exc})"
        ) from exc
    apply_theme(app)
    window = MainWindow(run.services)
    try:
        window.show()
        app.processEvents()
        check(window.isVisible(), "the main window did not show")
        # Screens are built on first view, each from its own modules: open every one.
        opened, missing = 0, []
        for spec in SCREENS:
            try:
                window.show_screen(spec.key)
            except ImportError as exc:
                if not unfinished_ui(exc):
                    raise
                missing.append(f"{spec.key} ({exc})")
                continue
            app.processEvents()
            opened += 1
        title = window.windowTitle()
    finally:
        window.close()
        QThreadPool.globalInstance().waitForDone(10_000)
        app.processEvents()
        window.deleteLater()
        app.processEvents()
    note = f"; not importable yet: {', '.join(missing)}" if missing else ""
    return (
        f"platform {app.platformName()}: main window '{title}' and {opened} of "
        f"{len(SCREENS)} screens opened and closed{note}"
    )


def step_printing(run: Run) -> str:
    from .printing.printer import available_printers, qt_pdf_available

    printers = available_printers()
    renderer = "Qt PDF renderer" if qt_pdf_available() else "the system's print service"
    return f"print support loaded, {len(printers)} printer(s) found, pages go through {renderer}"


# -- running ------------------------------------------------------------------------------


@contextmanager
def temporary_folder() -> Iterator[Path]:
    # ignore_cleanup_errors: on Windows a file just closed can stay locked for a moment.
    with tempfile.TemporaryDirectory(prefix="viveka-selftest-", ignore_cleanup_errors=True) as name:
        yield Path(name)


def steps() -> list[tuple[str, Callable[[Run], str]]]:
    return [
        ("environment", step_environment),
        ("resources", step_resources),
        ("time zone", step_time_zone),
        ("store", step_store),
        ("demo shop", step_demo_shop),
        ("bill", step_bill),
        ("payment", step_payment),
        ("hash chain", step_hash_chain),
        ("A4 invoice", step_a4_pdf),
        ("receipt", step_receipt_pdf),
        ("Qt", step_qt),
        ("printing", step_printing),
    ]


def run(out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run every step in order; 0 when all passed, 1 at the first failure."""
    out = out or _tolerant(sys.stdout)
    err = err or _tolerant(sys.stderr)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    with temporary_folder() as folder:
        state = Run(data_dir=folder / "data")
        try:
            for name, step in steps():
                try:
                    detail = step(state)
                except StepSkipped as skipped:
                    print(f"skip {name}: {skipped}", file=out, flush=True)
                    continue
                except Exception as exc:
                    print(f"FAIL {name}: {_describe(exc)}", file=out, flush=True)
                    if not isinstance(exc, SelfTestError):
                        traceback.print_exc(file=err)
                    print(FAILED, file=out, flush=True)
                    return 1
                print(f"ok   {name}: {detail}", file=out, flush=True)
        finally:
            if state.store is not None:
                state.store.close()
    print(f"{PASSED} in {time.perf_counter() - started:.1f} s", file=out, flush=True)
    return 0


def _tolerant(stream: TextIO) -> TextIO:
    """The console stream, set to replace what its encoding cannot show (₹ on cp1252)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    return stream


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    field_name = getattr(exc, "field", None)
    if field_name:
        return f"{field_name}: {getattr(exc, 'message', text)}"
    if isinstance(exc, SelfTestError):
        return text
    return f"{exc.__class__.__name__}: {text}"
