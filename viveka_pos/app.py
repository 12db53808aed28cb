"""Composition root: builds store -> services -> UI once, at start.

Also sets up what the whole process shares: a rotating log file in the data folder
(``logs/viveka.log``, secrets redacted by :mod:`.logging_setup`), the hook that turns
unexpected errors into a short apology, fonts and the stylesheet.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import load_device_id, resolve_data_dir
from .logging_setup import setup_logging
from .store import Store, StoreCorruptError, StoreError, StoreLockedError, open_store

if TYPE_CHECKING:
    from .domain.entities.shop import Shop

log = logging.getLogger("viveka_pos")


def _application() -> Any:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is not None:
        return existing
    # Fractional scale factors (125 %, 150 % on Windows laptops) scale exactly.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(sys.argv)
    app.setApplicationName("Viveka POS")
    app.setOrganizationName("Viveka")
    return app


LOCKED_MESSAGE = (
    "Viveka POS is already open on this computer (or another program is "
    "using its data folder {folder}).\n\nSwitch to the open window, or close "
    "it and start again."
)


def open_or_recover(
    folder: Path, first_read: Callable[[Store], object] | None = None
) -> Store | None:
    """Open the store; a store in use is explained in a message box, a damaged or unreadable
    one goes to the recovery screen (restore a backup, try again, or quit).

    ``first_read`` reads what the app needs first (the shop); damage found there is as
    good as a store that does not open: it is closed and the recovery screen shown.
    """
    from PySide6.QtWidgets import QMessageBox

    from .ui.recovery import TRY_AGAIN, show_recovery

    while True:
        try:
            store = open_store(folder)
        except StoreLockedError as exc:
            log.warning("data folder in use: %s", exc)
            QMessageBox.critical(
                None, "Viveka POS is already open", LOCKED_MESSAGE.format(folder=folder)
            )
            return None
        except StoreError as exc:
            log.warning("cannot open the store: %s", exc)
            if show_recovery(exc, folder) != TRY_AGAIN:
                return None
            continue
        try:
            if first_read is not None:
                first_read(store)
        except StoreCorruptError as exc:
            store.close()
            log.warning("the store opened but its shop cannot be read: %s", exc)
            if show_recovery(exc, folder) != TRY_AGAIN:
                return None
            continue
        return store


def sign_in(ctx: Any, shop: Shop, *, just_created: bool) -> str:
    """Make sure this PC has a login for the shop; returns the status-bar text.

    A valid saved login (30 days, offline too) opens straight to billing. The demo shop,
    just made, is logged in with its demo OTP. Otherwise the login dialog asks for the OTP;
    closing it keeps the shop usable on this PC, shown as not logged in (sync needs a
    login), because a shop without a network or an SMS key must still be able to bill.
    """
    from .services.auth import AuthService
    from .services.demo import log_in_demo
    from .services.otp import OtpService

    otp = OtpService(ctx)
    auth = AuthService(ctx, otp)
    phone = shop.phone_number
    session = auth.current_session()
    if session is None and just_created and otp.is_mock():
        try:
            session = log_in_demo(ctx, shop)
        except Exception:  # the dialog below explains whatever went wrong
            log.exception("automatic demo login failed")
    if session is None:
        from .ui.dialogs.auth import LoginDialog

        dialog = LoginDialog(auth, otp, phone=phone)
        dialog.exec()
        session = dialog.session
    if session is None:
        return "Not logged in"
    return f"Logged in · {session.shop.phone_number or phone}"


def start_sync(ctx: Any, shop: Shop, window: Any) -> Any:
    """Start background sync when this PC has a remote database set (Settings or
    ``VIVEKA_MONGO_URL``); the status bar then shows its real state. None otherwise."""
    from .services.device import DeviceSettings

    device = DeviceSettings(ctx.store)
    saved = device.current()
    url = os.environ.get("VIVEKA_MONGO_URL", "").strip() or saved.remote_url
    if not url:
        if "remoteUrl" in device.missing_secrets():  # a restored backup: ask for it again
            window.sync_status_changed.emit(
                "Sync: enter the remote database address again (Settings → Sync)"
            )
        return None
    from .gateways.remote import connect
    from .services.auth import AuthService
    from .services.join import shop_remote_database
    from .services.otp import OtpService
    from .services.sync_rules import SHOP_RULES
    from .sync.login import login_gate
    from .sync.worker import SyncWorker

    database = shop_remote_database(saved.remote_database, url, shop.phone_number)
    worker = SyncWorker(
        ctx.store,
        lambda: connect(url, database),
        shop.id,
        ctx.device_id,
        on_status=lambda status: window.sync_status_changed.emit(f"Sync: {status.message}"),
        gate=login_gate(AuthService(ctx, OtpService(ctx)), shop.id),
        rules=SHOP_RULES,
    )
    window.attach_sync(worker)
    worker.start()
    return worker


def run_gui(data_dir: str | os.PathLike[str] | None) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDialog

    from .services.context import ServiceContext
    from .services.facade import ShopServices
    from .services.shop import ShopService
    from .ui.errors import install_excepthook, set_log_file
    from .ui.theme import apply_theme

    folder = resolve_data_dir(data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log_path: Path | None = setup_logging(folder)
    except OSError:
        log_path = None  # a read-only folder: the store reports it in words below
    set_log_file(log_path)
    app = _application()
    apply_theme(app)
    install_excepthook()
    log.info("starting Viveka POS with data folder %s", folder)
    store = open_or_recover(
        folder, lambda opened: ShopService(ServiceContext(opened, "")).local_shop()
    )
    if store is None:
        return 1
    auto_backup: Any = None
    sync_worker: Any = None
    try:
        ctx = ServiceContext(store=store, device_id=load_device_id(folder))
        shop = ShopService(ctx).local_shop()
        new_shop = shop is None
        if shop is None:
            from .ui.dialogs.first_run import FirstRunDialog

            wizard = FirstRunDialog(ctx)
            if wizard.exec() != QDialog.DialogCode.Accepted or wizard.shop is None:
                return 0
            shop = wizard.shop
        login_text = sign_in(ctx, shop, just_created=new_shop)
        from .services.backups import AutoBackup
        from .ui.main_window import MainWindow

        settings = QSettings(str(folder / "window.ini"), QSettings.Format.IniFormat)
        auto_backup = AutoBackup(store)
        window = MainWindow(ShopServices(ctx, shop.id), settings=settings, auto_backup=auto_backup)
        auto_backup.on_finished = window.backup_finished.emit
        window.set_login_state(login_text)
        sync_worker = start_sync(ctx, shop, window) if login_text != "Not logged in" else None
        window.show()
        auto_backup.start_up()  # once a day, on its own thread
        return int(app.exec())
    finally:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(10_000)
        if sync_worker is not None:
            sync_worker.stop()
        if auto_backup is not None:
            auto_backup.on_finished = None
            auto_backup.wait(60)
        store.close()
        log.info("closed")
