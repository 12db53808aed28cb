"""The main window: a sidebar of screens, the screens, and an honest status bar.

Screens are built the first time they are opened, so the billing screen is ready as soon
as possible after start. Every screen has ``refresh(changed)``; when data changes
(``DataEvents``) the screen on view refreshes at once and the others when next shown.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from ..services.backups import AutoBackup, BackupOutcome
from ..services.facade import ShopServices
from .events import DataEvents
from .theme import icon

log = logging.getLogger("viveka_pos.ui")

NOT_LOGGED_IN = "Not logged in"
SYNC_NOT_CONFIGURED = "Offline — not configured"
SYNC_NOT_RUNNING = "Sync configured — not running"
DEFAULT_SIZE = QSize(1366, 768)
#: room for a window frame and title bar, before the window system says how big they are
FRAME_ALLOWANCE = QSize(16, 48)
#: seconds between hand-overs of the interpreter lock between threads (see MainWindow)
SWITCH_INTERVAL = 0.001


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    icon: str
    build: Callable[[ShopServices], QWidget]


def _billing(services: ShopServices) -> QWidget:
    from .screens.billing import BillingScreen

    return BillingScreen(services)


def _inventory(services: ShopServices) -> QWidget:
    from .screens.inventory import InventoryScreen

    return InventoryScreen(services)


def _customers(services: ShopServices) -> QWidget:
    from .screens.customers import CustomersScreen

    return CustomersScreen(services)


def _dealers(services: ShopServices) -> QWidget:
    from .screens.dealers import DealersScreen

    return DealersScreen(services)


def _reports(services: ShopServices) -> QWidget:
    from .screens.reports import ReportsScreen

    return ReportsScreen(services)


def _settings(services: ShopServices) -> QWidget:
    from .screens.settings import SettingsScreen

    return SettingsScreen(services)


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("billing", "Billing", "billing", _billing),
    ScreenSpec("inventory", "Inventory", "inventory", _inventory),
    ScreenSpec("customers", "Customers", "customers", _customers),
    ScreenSpec("dealers", "Dealers", "dealers", _dealers),
    ScreenSpec("reports", "Reports", "reports", _reports),
    ScreenSpec("settings", "Settings", "settings", _settings),
)


class MainWindow(QMainWindow):
    #: an automatic backup finished (emitted from the backup thread; handled on the UI's)
    backup_finished = Signal(object)
    #: text for the sync part of the status bar, from the sync worker's thread
    sync_status_changed = Signal(str)

    def __init__(
        self,
        services: ShopServices,
        *,
        settings: QSettings | None = None,
        auto_backup: AutoBackup | None = None,
    ):
        super().__init__()
        # Background work (loading, sync, reports) shares the interpreter lock with the
        # screen; Python hands it over every 5 ms by default, so each key press waited
        # behind it several times over. 1 ms keeps typing fluid while the work goes on.
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.services = services
        self.settings = settings
        self.auto_backup = auto_backup
        self.sync_worker: Any = None
        self.screens: dict[str, QWidget] = {}
        self._sync_override = ""
        #: closing with a bill in progress asks first (tests that leave one close quietly)
        self.ask_before_parking = True
        self._placed = False
        self._restored = False  # a size and place saved at the last close were restored
        self._dirty: dict[str, set[str] | None] = {}
        self.setWindowTitle("Viveka POS")
        self.setMinimumSize(1024, 640)

        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(22, 22))
        self.sidebar.setFixedWidth(176)
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stack = QStackedWidget()
        self.stack.setObjectName("screenStack")
        for number, spec in enumerate(SCREENS, 1):
            entry = QListWidgetItem(icon(spec.icon), spec.title)
            entry.setData(Qt.ItemDataRole.UserRole, spec.key)
            entry.setToolTip(f"{spec.title} (Alt+{number})")
            entry.setSizeHint(QSize(160, 48))
            self.sidebar.addItem(entry)
            QShortcut(
                QKeySequence(f"Alt+{number}"), self, lambda key=spec.key: self.show_screen(key)
            )
        self.sidebar.currentRowChanged.connect(self._sidebar_changed)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self._build_status_bar()

        self.events = DataEvents(services.ctx.store, parent=self)
        self.events.changed.connect(self.data_changed)
        self.backup_finished.connect(self._backup_finished)
        self._restore_geometry()
        self.show_screen("billing")
        self.refresh_status()

    # ------------------------------------------------------------- status bar
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        bar.setSizeGripEnabled(False)
        self.shop_label = QLabel()
        self.shop_label.setObjectName("statusShop")
        self.login_label = QLabel(NOT_LOGGED_IN)
        self.sync_label = QLabel(SYNC_NOT_CONFIGURED)
        self.sales_label = QLabel()
        self.sales_label.setObjectName("statusSales")
        bar.addWidget(self.shop_label, 1)
        for label in (self.login_label, self.sync_label, self.sales_label):
            label.setObjectName(label.objectName() or "statusItem")
            bar.addPermanentWidget(label)

    def set_login_state(self, text: str) -> None:
        """For the login flow to report who is logged in (or that nobody is)."""
        self.login_label.setText(text or NOT_LOGGED_IN)

    def attach_sync(self, worker: Any) -> None:
        """Show a running sync worker's state and nudge it after each saved bill. Its
        status callback runs on the worker's thread; a queued signal brings it here."""
        self.sync_worker = worker
        self.sync_status_changed.connect(self.set_sync_state)
        self.set_sync_state(f"Sync: {worker.status.message}")

    def set_sync_state(self, text: str) -> None:
        """For the sync worker to report its real state; never set a state it is not in."""
        self._sync_override = text
        self.sync_label.setText(text)

    def refresh_status(self, *, sales: bool = True) -> None:
        shop = self.services.shop.current()
        self.shop_label.setText(f"{shop.display_name or 'Shop'} · {shop.phone_number}")
        if not self._sync_override:
            configured = bool(self.services.device.current().remote_url)
            self.sync_label.setText(SYNC_NOT_RUNNING if configured else SYNC_NOT_CONFIGURED)
        if sales:
            self._refresh_sales()

    def _refresh_sales(self) -> None:
        """Today's sales, computed on a worker (the first time reads every invoice)."""
        from .status import today_sales_text
        from .workers import start_job

        services = self.services
        label = self.sales_label

        def show(text: str) -> None:
            with contextlib.suppress(RuntimeError):  # the window may have closed meanwhile
                label.setText(text)

        start_job(
            lambda _progress: today_sales_text(services),
            on_done=show,
            on_failed=lambda exc: log.warning("today's sales unavailable: %s", exc),
        )

    # ---------------------------------------------------------------- screens
    def screen(self, key: str) -> QWidget:  # type: ignore[override]
        """The screen for ``key``, built on first use.

        (It hides ``QWidget.screen()``, the monitor: ask ``windowHandle().screen()`` for that.)
        """
        widget = self.screens.get(key)
        if widget is None:
            spec = next(s for s in SCREENS if s.key == key)
            widget = spec.build(self.services)
            self.screens[key] = widget
            self.stack.addWidget(widget)
            replaced = getattr(widget, "data_replaced", None)
            if replaced is not None:
                replaced.connect(self.data_replaced)
        return widget

    def show_screen(self, key: str) -> QWidget:
        widget = self.screen(key)
        if key in self._dirty:
            changed = self._dirty.pop(key)
            widget.refresh(changed)  # type: ignore[attr-defined]
        self.stack.setCurrentWidget(widget)
        row = next(n for n, s in enumerate(SCREENS) if s.key == key)
        if self.sidebar.currentRow() != row:
            self.sidebar.blockSignals(True)
            self.sidebar.setCurrentRow(row)
            self.sidebar.blockSignals(False)
        return widget

    def current_key(self) -> str:
        current = self.stack.currentWidget()
        return next((k for k, w in self.screens.items() if w is current), "")

    def _sidebar_changed(self, row: int) -> None:
        if 0 <= row < len(SCREENS):
            self.show_screen(SCREENS[row].key)

    def data_changed(self, changed: set[str]) -> None:
        current = self.current_key()
        for key, widget in self.screens.items():
            if key == current:
                widget.refresh(changed)  # type: ignore[attr-defined]
            elif key in self._dirty:
                pending = self._dirty[key]
                self._dirty[key] = None if pending is None else pending | changed
            else:
                self._dirty[key] = set(changed)
        if changed & {"invoices", "payments", "clients", "localsettings"}:
            self.refresh_status()
        if "invoices" in changed and self.auto_backup is not None:
            self.auto_backup.note_bill_saved()  # every N bills (a device setting)
        if "invoices" in changed and self.sync_worker is not None:
            self.sync_worker.poke()

    def _backup_finished(self, outcome: BackupOutcome) -> None:
        if outcome.ok:
            self.statusBar().showMessage("Automatic backup written.", 8000)
        else:
            log.warning("automatic backup failed: %s", outcome.error)
            self.statusBar().showMessage(
                f"Automatic backup FAILED: {outcome.error} (Settings → Backup)", 60000
            )

    def data_replaced(self) -> None:
        """After a restore every cache is stale: rebuild the search and re-read all."""
        self.services.search.rebuild()
        local = self.services.shop.local_shop()
        if local is None or local.id != self.services.client_id:
            QMessageBox.information(
                self,
                "Restart needed",
                "The restored data belongs to another shop. Viveka "
                "POS will close now; start it again to open that shop.",
            )
            self.close()
            return
        for key in self.screens:
            if key == self.current_key():
                self.screens[key].refresh(None)  # type: ignore[attr-defined]
            else:
                self._dirty[key] = None
        self.refresh_status()

    # --------------------------------------------------------------- geometry
    def _restore_geometry(self) -> None:
        saved = self.settings.value("window/geometry") if self.settings is not None else None
        if isinstance(saved, QByteArray | bytes) and self.restoreGeometry(QByteArray(saved)):
            self._restored = True
            self.keep_on_screen()
            return
        # First start: 1366×768 where it fits with the title bar and task bar, else smaller
        # (the frame is not known before the window is shown: allow for a title bar).
        screen = QGuiApplication.primaryScreen()
        size = DEFAULT_SIZE
        if screen is not None:
            room = screen.availableGeometry().size() - FRAME_ALLOWANCE
            size = size.boundedTo(room).expandedTo(self.minimumSize())
        self.resize(size)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._restored and not self._placed:  # with its frame known: place it again
            self._placed = True
            self.keep_on_screen()

    def keep_on_screen(self) -> None:
        """Fit the window, frame and status bar included, inside the screen's free area
        (without the task bar): a size saved on a bigger screen, or a place half off it,
        would hide the status bar or the title bar."""
        if self.isMaximized() or self.isFullScreen():
            return
        # the screen the window's middle is on (a screen unplugged since: the main one)
        screen = (
            QGuiApplication.screenAt(self.frameGeometry().center())
            or QGuiApplication.primaryScreen()
        )
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w = max(frame.width() - self.width(), 0)
        extra_h = max(frame.height() - self.height(), 0)
        width = min(self.width(), area.width() - extra_w)
        height = min(self.height(), area.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(max(width, self.minimumWidth()), max(height, self.minimumHeight()))
        frame = self.frameGeometry()
        x = min(max(frame.x(), area.left()), area.right() + 1 - frame.width())
        y = min(max(frame.y(), area.top()), area.bottom() + 1 - frame.height())
        if (x, y) != (frame.x(), frame.y()):
            self.move(max(x, area.left()), max(y, area.top()))

    def save_geometry(self) -> None:
        if self.settings is not None:
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        billing = self.screens.get("billing")
        park = getattr(billing, "park_on_close", None)
        if park is not None and not park(ask=self.ask_before_parking):
            event.ignore()  # "Go back": the bill stays on screen
            return
        self.save_geometry()
        self.events.stop()
        billing = self.screens.get("billing")
        scanner = getattr(billing, "scanner", None)
        if scanner is not None:
            scanner.uninstall()
        super().closeEvent(event)
