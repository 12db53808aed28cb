"""GUI fixtures: a registered shop with items over a real store, and the real main window.

Dialogs run their own event loop (``exec``), so a test arranges what to do in a dialog
*before* pressing the key that opens it: :func:`on_dialog` polls for the modal dialog and
runs the steps inside its loop, with real key events.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QThreadPool, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from viveka_pos.domain.clock import FixedClock
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store
from viveka_pos.ui.main_window import MainWindow
from viveka_pos.ui.theme import apply_theme

SHOP_GSTIN = "29ABCDE1234F1ZW"  # Karnataka (29)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 6, 16, 5, 0, tzinfo=UTC))  # 10:30 in India


@pytest.fixture
def ctx(store: Store, clock: FixedClock) -> ServiceContext:
    return ServiceContext(store=store, device_id="pc-gui", clock=clock)


@pytest.fixture
def services(ctx: ServiceContext) -> ShopServices:
    shop = ShopService(ctx).register(
        phone="9890000000",
        owner_name="Asha Kulkarni",
        business_name="Asha Auto Spares",
        shop_name="Asha Auto",
        city="Bengaluru",
        state="Karnataka",
        gstin=SHOP_GSTIN,
        settings={"customerFields": {"address": True, "gstNo": True, "emailId": False}},
    )
    svc = ShopServices(ctx, shop.id)
    brakes = svc.catalog.create_group("Brakes")
    svc.catalog.create_item(
        name="Spark plug NGK",
        price="185",
        code="8901002",
        stock=50,
        gst_rate=28,
        hsn_code="85111000",
    )
    svc.catalog.create_item(
        name="Brake pad set front",
        price="420",
        code="8902001",
        stock=20,
        gst_rate=28,
        hsn_code="87083000",
        group_id=brakes.id,
    )
    svc.catalog.create_item(
        name="Engine oil 1 L",
        price="390",
        code="8901005",
        stock=30,
        unit="litre",
        gst_rate=18,
        hsn_code="27101980",
    )
    svc.catalog.create_item(
        name="Pen refill blue", price="10", code="PEN01", stock=100, gst_rate=18
    )
    return svc


@pytest.fixture(scope="session", autouse=True)
def themed_app(qapp: QApplication) -> QApplication:
    apply_theme(qapp)
    return qapp


@pytest.fixture
def window(qtbot: Any, services: ShopServices, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    main = MainWindow(services, settings=settings)
    main.ask_before_parking = False  # a bill left in progress is parked without asking
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    yield main
    main.close()
    QThreadPool.globalInstance().waitForDone(5000)


def focused() -> QWidget:
    """The widget a key would go to, once the window system has caught up (a closed dialog
    hands activation back to its parent window through the event queue)."""
    deadline = time.monotonic() + 2.0
    while True:
        QApplication.processEvents()
        widget = QApplication.focusWidget()
        if widget is not None and widget.window().isVisible():
            return widget
        assert time.monotonic() < deadline, "nothing visible has keyboard focus"
        time.sleep(0.005)


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed on the real keyboard: it goes to whatever has focus."""
    QTest.keyClick(focused(), key, modifier)


HUMAN_KEY_GAP_MS = 35  # a quick typist; a barcode scanner is under 30 ms per key


def type_text(text: str, widget: QWidget | None = None) -> None:
    """Typed by a person: a short pause before each key, so it is never taken for a scan."""
    QTest.keyClicks(widget or focused(), text, Qt.KeyboardModifier.NoModifier, HUMAN_KEY_GAP_MS)


def on_dialog(kind: type, steps: Callable[[Any], None], timeout_ms: int = 5000) -> list[Any]:
    """Run ``steps(dialog)`` once a modal ``kind`` is open; returns a list that receives it."""
    seen: list[Any] = []
    waited = [0]

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            seen.append(widget)
            try:
                steps(widget)
            except BaseException:
                widget.reject()  # never leave a test hanging in a dialog's loop
                raise
            QTimer.singleShot(timeout_ms, lambda: _give_up(widget))
            return
        waited[0] += 10
        if waited[0] < timeout_ms:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    return seen


def _give_up(dialog: Any) -> None:
    """A dialog the steps did not close: close it, so the test fails instead of hanging."""
    try:
        if dialog.isVisible():
            dialog.reject()
    except RuntimeError:  # already deleted: it was closed
        pass
