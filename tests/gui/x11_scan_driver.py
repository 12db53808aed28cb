"""The real main window under an X server, fed real X key events by ``xdotool``.

Run by ``test_scanner_x11.py`` (which starts its own Xvfb) as a child process, because a
process holds one Qt platform and the other GUI tests use "offscreen". It can be run by hand
for the full figures (1,000 scans)::

    VIVEKA_X11_SCANS=1000 VIVEKA_X11_TYPED=1000 .venv/bin/python -m pytest -q -s \\
        tests/gui/test_scanner_x11.py

Three kinds of rounds, each checked from the window's own state:

* scan: a person types a random prefix at 80-150 ms per key (in the billing search box, or
  in the customer window opened with F2), pauses, then the scanner sends a code with
  repeated keys at 1 ms per key with Enter right after (``xdotool type --delay 1``). The item
  must be added exactly once (after the window closes, when one was open) and the box must
  hold exactly what the person typed.
* typed: a person types a code at 80-150 ms per key and presses Enter in the search box:
  never a scan (the search finds the item and Enter adds it).
* fast: "Mechanic" typed at 12 ms per key plus Enter in the customer window: never a scan,
  the text stays and the window gets the Enter.

The driver thread runs ``xdotool`` and reads the window's state through :class:`OnGui`;
the Qt event loop keeps running on the main thread meanwhile, as at a real counter.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication

from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import open_store
from viveka_pos.ui.dialogs.customer_lookup import CustomerLookupDialog
from viveka_pos.ui.dialogs.item_editor import ItemDialog
from viveka_pos.ui.main_window import MainWindow
from viveka_pos.ui.scanner import BurstTracker
from viveka_pos.ui.theme import apply_theme

T = TypeVar("T")
HUMAN_GAP_S = (0.080, 0.150)
PREFIX_LETTERS = "abcdefghijklmnopqrstuvwxyz"


# ----------------------------------------------------------------------- codes
def ean13(body: str) -> str:
    """``body`` (12 digits) with its EAN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def repeated_digits(rng: random.Random, length: int) -> str:
    """Digits with at least one doubled and one tripled run, as real codes often have."""
    digits = ""
    runs = [2, 3] + [rng.choice([1, 1, 2, 3]) for _ in range(length)]
    rng.shuffle(runs)
    for run in runs:
        digits += str(rng.randrange(10)) * run
    return digits[:length]


def sample_codes(rng: random.Random) -> list[str]:
    """EAN-13 and short numeric codes with doubled/tripled digits, and Code-128 samples."""
    codes = ["8812345678905", "8901002", "8900011100055", "4006381333931"]
    while len(codes) < 24:
        codes.append(ean13("89" + repeated_digits(rng, 10)))
    while len(codes) < 30:
        codes.append("89" + repeated_digits(rng, 6))
    codes += ["AA-1001-BB", "SKU-777-00", "BOX-4400-LL", "ZZ990011", "MM-22-333", "PP00-X"]
    return list(dict.fromkeys(codes))


# --------------------------------------------------------------- GUI thread
class OnGui(QObject):
    """Run a function on the Qt thread from the driver thread and wait for its result."""

    job = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.job.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, job: Callable[[], None]) -> None:
        job()

    def __call__(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        done = threading.Event()
        box: dict[str, Any] = {}

        def job() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the driver thread
                box["error"] = exc
            done.set()

        self.job.emit(job)
        if not done.wait(timeout):
            raise TimeoutError("the window did not answer")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def wait_until(self, check: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self(check):
                return True
            time.sleep(0.01)
        return False


# -------------------------------------------------------------------- xdotool
def xdo(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=30)


def person_types(rng: random.Random, text: str) -> None:
    """One key at a time, 80-150 ms apart, as a person types."""
    for char in text:
        xdo("type", "--delay", "0", char)
        time.sleep(rng.uniform(*HUMAN_GAP_S))


def _first_that_runs(*prefixes: tuple[str, ...]) -> tuple[str, ...]:
    for prefix in prefixes:
        if not prefix or shutil.which(prefix[0]) is None:
            continue
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return ()


#: A scanner's keys are timed by its own hardware, whatever the PC is doing; xdotool's are
#: timed by sleeps that a busy machine stretches (3-16 ms per key was seen with the two
#: cores shared). Run it ahead of other processes where allowed, as the hardware would be.
SCANNER_PRIORITY = _first_that_runs(("chrt", "--fifo", "10"), ("nice", "-n", "-15"), ())


def scanner_sends(code: str) -> None:
    """A keyboard-wedge scanner: 1 ms per key, Enter right after."""
    subprocess.run(
        [*SCANNER_PRIORITY, "xdotool", "type", "--delay", "1", code + "\r"], check=True, timeout=30
    )


# ---------------------------------------------------------------------- rounds
@dataclass
class Tally:
    scans: int = 0
    scans_in_dialog: int = 0
    scans_in_cart: int = 0
    scans_added_once: int = 0
    typed: int = 0
    typed_not_scans: int = 0
    fast: int = 0
    fast_not_scans: int = 0
    pastes: int = 0
    pastes_not_scans: int = 0
    item_dialog: int = 0
    item_dialog_ok: int = 0
    scan_median_gaps_ms: list[float] = field(default_factory=list)
    fast_median_gaps_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


class GapMeter(QObject):
    """Measures each burst as the X server timed it: the median gap before every Enter."""

    def __init__(self, app: QApplication):
        super().__init__()
        self.tracker = BurstTracker(max_gap_ms=1000.0)
        self.last_gap: float | None = None
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and type(watched) is QWindow
        ):  # once per key, where it enters the app
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.last_gap = self.tracker.typical_gap()
                self.tracker.reset()
            elif len(event.text()) == 1 and event.text().isprintable():
                self.tracker.key(event.text(), float(event.timestamp()))
        return False

    def take(self) -> float | None:
        gap, self.last_gap = self.last_gap, None
        return gap


class Counter:
    """The billing screen and its scanner, read on the Qt thread."""

    def __init__(self, window: MainWindow, on_gui: OnGui, meter: GapMeter):
        self.window = window
        self.meter = meter
        self.billing: Any = window.screen("billing")
        self.gui = on_gui
        self.routed: list[tuple[str, str]] = []
        self.billing.scanner.scanned.connect(lambda code, where: self.routed.append((code, where)))

    def cart(self) -> dict[str, float]:
        """On the Qt thread: quantity by item name."""
        return {
            line.name: float(totals.quantity) for line, totals in self.billing.cart_model.rows()
        }

    def quantities(self) -> dict[str, float]:
        return self.gui(self.cart)

    def search_text(self) -> str:
        return self.gui(lambda: self.billing.search.text())

    def dialog(self) -> CustomerLookupDialog | None:
        def find() -> CustomerLookupDialog | None:
            widget = QApplication.activeModalWidget()
            return widget if isinstance(widget, CustomerLookupDialog) else None

        return self.gui(find)

    def open_customer_window(self) -> CustomerLookupDialog:
        xdo("key", "F2")

        def ready() -> bool:
            dialog = QApplication.activeModalWidget()
            return (
                isinstance(dialog, CustomerLookupDialog)
                and QApplication.focusWidget() is dialog.query
            )

        if not self.gui.wait_until(ready):
            raise AssertionError("F2 did not open the customer window with its box focused")
        dialog = self.dialog()
        assert dialog is not None
        return dialog

    def close_customer_window(self) -> None:
        xdo("key", "Escape")
        if not self.gui.wait_until(
            lambda: (
                QApplication.activeModalWidget() is None
                and QApplication.focusWidget() is self.billing.search
            )
        ):
            raise AssertionError("Escape did not close the customer window")

    def focus(self, widget: Any) -> None:
        def take() -> None:
            widget.window().activateWindow()
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

        self.gui(take)
        if not self.gui.wait_until(lambda: QApplication.focusWidget() is widget):
            raise AssertionError(f"{type(widget).__name__} did not take the focus")

    def clear_search(self) -> None:
        if self.search_text():
            xdo("key", "Escape")
            if not self.gui.wait_until(lambda: self.billing.search.text() == ""):
                raise AssertionError("Escape did not clear the search box")


def name_of(code: str) -> str:
    return f"Part {code}"


def plus_one(cart: dict[str, float], code: str) -> dict[str, float]:
    """The cart after the item with ``code`` was added once more."""
    return cart | {name_of(code): cart.get(name_of(code), 0) + 1}


def scan_round(counter: Counter, rng: random.Random, code: str, tally: Tally, where: str) -> None:
    """One scan after a typed prefix; ``where`` the focus is when the scanner fires: the
    search box, the cart table (after typing in the search box) or the customer window."""
    in_dialog = where == "dialog"
    tally.scans += 1
    before = counter.quantities()
    routed = len(counter.gui(lambda: counter.routed))
    prefix = "".join(rng.choice(PREFIX_LETTERS) for _ in range(rng.randrange(0, 5)))
    if in_dialog:
        tally.scans_in_dialog += 1
        dialog = counter.open_customer_window()
        box, expected_box = dialog.query, prefix
        expected_search = counter.search_text()
    else:
        if rng.random() < 0.5:
            counter.clear_search()
        box = counter.billing.search
        expected_box = expected_search = counter.search_text() + prefix
    person_types(rng, prefix)
    if not counter.gui.wait_until(lambda: box.text() == expected_box):
        raise AssertionError(f"typed {prefix!r} but the box holds {counter.gui(box.text)!r}")
    if where == "cart":
        tally.scans_in_cart += 1
        counter.focus(counter.billing.cart_table)
    time.sleep(rng.uniform(0.05, 0.3))  # the hand moves from the keys to the scanner
    counter.gui(lambda: counter.meter.tracker.reset())
    scanner_sends(code)
    problems: list[str] = []
    if in_dialog:
        if not counter.gui.wait_until(lambda: len(counter.routed) > routed):
            problems.append("not taken as a scan in the customer window")
        if counter.gui(box.text) != expected_box:
            problems.append(f"customer box holds {counter.gui(box.text)!r}, typed {expected_box!r}")
        if counter.dialog() is None:
            problems.append("the scan's Enter closed the customer window")
        else:
            counter.close_customer_window()
    want = plus_one(before, code)
    if not counter.gui.wait_until(lambda: counter.cart() == want):
        problems.append(f"cart {counter.quantities()} instead of {want}")
    time.sleep(0.03)  # anything late (a second add, a stray key) would show now
    if counter.quantities() != want:
        problems.append(f"cart changed again: {counter.quantities()}")
    if counter.search_text() != expected_search:
        problems.append(f"search box holds {counter.search_text()!r}, expected {expected_search!r}")
    new_routes = counter.gui(lambda: counter.routed[routed:])
    if new_routes != [(code, "held" if in_dialog else "billing")]:
        problems.append(f"scanner saw {new_routes}")
    gap = counter.gui(counter.meter.take)
    if gap is not None:
        tally.scan_median_gaps_ms.append(gap)
    if where == "cart":
        counter.focus(counter.billing.search)
    if problems:
        tally.failures.append(
            f"scan {code} after {prefix!r}, focus in {where}: {'; '.join(problems)}"
        )
    else:
        tally.scans_added_once += 1


def typed_round(counter: Counter, rng: random.Random, code: str, tally: Tally) -> None:
    tally.typed += 1
    counter.clear_search()
    before = counter.quantities()
    routed = len(counter.gui(lambda: counter.routed))
    person_types(rng, code)
    if not counter.gui.wait_until(lambda: counter.billing.search.text() == code):
        raise AssertionError(f"typed {code!r}, box holds {counter.search_text()!r}")
    xdo("key", "Return")
    want = plus_one(before, code)
    problems: list[str] = []
    if not counter.gui.wait_until(lambda: counter.cart() == want):
        problems.append(f"Enter did not add it: cart {counter.quantities()}")
    if counter.gui(lambda: counter.routed[routed:]):
        problems.append("taken as a scan")
    if "scanned" in counter.gui(lambda: counter.billing.last_message):
        problems.append(f"message {counter.gui(lambda: counter.billing.last_message)!r}")
    if problems:
        tally.failures.append(f"typed {code}: {'; '.join(problems)}")
    else:
        tally.typed_not_scans += 1


def fast_round(counter: Counter, tally: Tally) -> None:
    tally.fast += 1
    routed = len(counter.gui(lambda: counter.routed))
    dialog = counter.open_customer_window()
    counter.gui(lambda: counter.meter.tracker.reset())
    xdo("type", "--delay", "12", "Mechanic\r")
    problems: list[str] = []
    if not counter.gui.wait_until(
        lambda: dialog.query.text() == "Mechanic" and "No customer matches" in dialog.info.text()
    ):
        problems.append(
            f"box {counter.gui(dialog.query.text)!r}, hint {counter.gui(dialog.info.text)!r}"
        )
    gap = counter.gui(counter.meter.take)
    if gap is not None:
        tally.fast_median_gaps_ms.append(gap)
    if counter.gui(lambda: counter.routed[routed:]):
        problems.append("taken as a scan")
    counter.close_customer_window()
    if problems:
        tally.failures.append(f"12 ms typing in a dialog: {'; '.join(problems)}")
    else:
        tally.fast_not_scans += 1


def item_dialog_round(counter: Counter, rng: random.Random, code: str, tally: Tally) -> None:
    """Inventory: a scan in the item window lands in its code field, whole, and does not
    save the form; a scan on the screen itself fills the filter with the code."""
    tally.item_dialog += 1
    window = counter.window
    inventory: Any = counter.gui(lambda: window.show_screen("inventory"))
    counter.focus(inventory.table)
    xdo("key", "ctrl+n")

    def dialog_ready() -> bool:
        dialog = QApplication.activeModalWidget()
        return isinstance(dialog, ItemDialog) and QApplication.focusWidget() is dialog.name

    if not counter.gui.wait_until(dialog_ready):
        raise AssertionError("Ctrl+N did not open the item window with the name focused")
    dialog: Any = counter.gui(QApplication.activeModalWidget)
    person_types(rng, "Brake")
    counter.gui.wait_until(lambda: dialog.name.text() == "Brake")
    time.sleep(0.1)
    scanner_sends(code)
    problems: list[str] = []
    if not counter.gui.wait_until(lambda: dialog.code.text() == code):
        problems.append(f"code field holds {counter.gui(dialog.code.text)!r}")
    if counter.gui(dialog.name.text) != "Brake":
        problems.append(f"name field holds {counter.gui(dialog.name.text)!r}")
    if counter.gui(QApplication.activeModalWidget) is not dialog:
        problems.append("the scan's Enter closed the item window")
    xdo("key", "Escape")
    if not counter.gui.wait_until(lambda: QApplication.activeModalWidget() is None):
        raise AssertionError(
            f"Escape did not close the item window ({counter.gui(QApplication.activeModalWidget)})"
        )
    counter.focus(inventory.table)  # Xvfb has no window manager to hand activation back
    scanner_sends(code)
    if not counter.gui.wait_until(lambda: inventory.filter.text() == code):
        problems.append(f"inventory filter holds {counter.gui(inventory.filter.text)!r}")
    counter.gui(lambda: inventory.filter.clear())
    counter.gui(lambda: window.show_screen("billing"))
    counter.focus(counter.billing.search)
    if problems:
        tally.failures.append(f"item window scan {code}: {'; '.join(problems)}")
    else:
        tally.item_dialog_ok += 1


def paste_round(counter: Counter, code: str, tally: Tally) -> None:
    """Ctrl+V then Enter: in the search box the pasted code is searched and added by Enter;
    in the customer window the pasted name stays and the window gets the Enter."""
    tally.pastes += 1
    counter.clear_search()
    before = counter.quantities()
    routed = len(counter.gui(lambda: counter.routed))
    counter.gui(lambda: QApplication.clipboard().setText(code))
    xdo("key", "ctrl+v")
    xdo("key", "Return")
    want = plus_one(before, code)
    problems: list[str] = []
    if not counter.gui.wait_until(lambda: counter.cart() == want):
        problems.append(f"Enter after pasting {code} did not add it: {counter.quantities()}")
    dialog = counter.open_customer_window()
    counter.gui(lambda: QApplication.clipboard().setText("Ravi Motors"))
    xdo("key", "ctrl+v")
    xdo("key", "Return")
    if not counter.gui.wait_until(
        lambda: dialog.query.text() == "Ravi Motors" and "No customer matches" in dialog.info.text()
    ):
        problems.append(
            f"customer window: box {counter.gui(dialog.query.text)!r}, "
            f"hint {counter.gui(dialog.info.text)!r}"
        )
    counter.close_customer_window()
    if counter.gui(lambda: counter.routed[routed:]):
        problems.append("a paste was taken as a scan")
    if problems:
        tally.failures.append(f"paste: {'; '.join(problems)}")
    else:
        tally.pastes_not_scans += 1


def drive(counter: Counter, args: argparse.Namespace, codes: list[str], tally: Tally) -> None:
    rng = random.Random(args.seed)
    start = time.monotonic()
    if not counter.gui.wait_until(
        lambda: QApplication.focusWidget() is counter.billing.search,
        timeout=30,
    ):
        raise AssertionError("the billing screen did not get ready with the focus in search")
    for _ in range(args.fast):
        fast_round(counter, tally)
    for index in range(args.pastes):
        paste_round(counter, codes[index % len(codes)], tally)
    for index in range(args.items):
        item_dialog_round(counter, rng, f"77{index:02d}00111", tally)
    for _ in range(args.scans):
        draw = rng.random()
        where = "dialog" if draw < 0.2 else "cart" if draw < 0.3 else "search"
        scan_round(counter, rng, rng.choice(codes), tally, where)
        if len(tally.failures) > 20:
            break
    for index in range(args.typed):
        typed_round(counter, rng, codes[index % len(codes)], tally)
        if len(tally.failures) > 20:
            break
    tally.seconds = round(time.monotonic() - start, 1)


class KeyLog(QObject):
    """Print every key press as Qt delivers it (to see what a failing round received)."""

    def __init__(self, app: QApplication):
        super().__init__()
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            print(
                f"{event.timestamp()} {type(watched).__name__} {event.text()!r} "
                f"repeat={event.isAutoRepeat()}",
                file=sys.stderr,
                flush=True,
            )
        return False


# ------------------------------------------------------------------------ main
def build_shop(data_dir: Path, codes: list[str]) -> ShopServices:
    ctx = ServiceContext(store=open_store(data_dir), device_id="pc-x11")
    shop = ShopService(ctx).register(
        phone="9890000000",
        owner_name="Asha Kulkarni",
        business_name="Asha Auto Spares",
        shop_name="Asha Auto",
        city="Bengaluru",
        state="Karnataka",
        gstin="29ABCDE1234F1ZW",
    )
    services = ShopServices(ctx, shop.id)
    for code in codes:
        services.catalog.create_item(
            name=name_of(code),
            price="10",
            code=code,
            stock=1_000_000,
            gst_rate=18,
            hsn_code="85111000",
        )
    return services


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=40)
    parser.add_argument("--typed", type=int, default=5)
    parser.add_argument("--fast", type=int, default=3)
    parser.add_argument("--items", type=int, default=2)
    parser.add_argument("--pastes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--log-keys", action="store_true", help="print each key Qt gets")
    args = parser.parse_args(argv)

    app = QApplication(sys.argv[:1])
    apply_theme(app)
    codes = sample_codes(random.Random(args.seed))
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="viveka-x11-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        services = build_shop(data, codes)
        settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
        window = MainWindow(services, settings=settings)
        window.ask_before_parking = False  # quitting parks a bill in progress without asking
        window.resize(1366, 768)
        window.show()
        window.activateWindow()
        counter = Counter(window, OnGui(), GapMeter(app))
        if args.log_keys:
            key_log = KeyLog(app)  # noqa: F841 (kept alive for the run)
        errors: list[str] = []

        def run() -> None:
            try:
                drive(counter, args, codes, tally)
            except BaseException:
                errors.append(traceback.format_exc())
            finally:
                finished.set()

        finished = threading.Event()
        poll = QTimer()
        poll.timeout.connect(lambda: finished.is_set() and app.quit())
        poll.start(50)
        threading.Thread(target=run, daemon=True).start()
        app.exec()
        QThreadPool.globalInstance().waitForDone(10_000)
        services.ctx.store.close()
    result = asdict(tally) | {"codes": codes, "errors": errors}
    result["scanner_priority"] = " ".join(SCANNER_PRIORITY) or "normal"
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0 if not errors and not tally.failures else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the results are written; skip tearing down Qt objects at exit
