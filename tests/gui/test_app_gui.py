"""The main window, settings, reports, first run, backups and the error hook."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from tests.fixtures.stored import stored
from tests.gui.conftest import on_dialog, type_text
from viveka_pos.logging_setup import setup_logging, stop_logging
from viveka_pos.services import backups
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.shop import ShopService
from viveka_pos.ui import errors
from viveka_pos.ui.dialogs.first_run import FirstRunDialog
from viveka_pos.ui.main_window import (
    DEFAULT_SIZE,
    NOT_LOGGED_IN,
    SYNC_NOT_CONFIGURED,
    MainWindow,
)
from viveka_pos.ui.screens.reports import preset_range
from viveka_pos.ui.workers import running_jobs


def sell(
    services, code: str, quantity: int = 1, paid: str | None = None, customer: str | None = None
) -> dict:
    cart = services.carts.create(customer=customer)
    services.carts.add_item(cart.cart_id, code, quantity)
    total = services.carts.view(cart.cart_id).totals.total_amount
    return stored(
        services,
        services.invoices.generate(
            cart.cart_id, paid_amount=paid if paid is not None else total / 100
        ),
    )


def test_status_bar_is_honest(window, services, qtbot):
    assert window.login_label.text() == NOT_LOGGED_IN == "Not logged in"
    assert window.sync_label.text() == SYNC_NOT_CONFIGURED == "Offline — not configured"
    assert "Asha Auto" in window.shop_label.text()
    qtbot.waitUntil(lambda: window.sales_label.text() == "Today: ₹0.00 · 0 bills")
    sell(services, "PEN01", 2)
    window.events.flush_now()
    qtbot.waitUntil(lambda: window.sales_label.text() == "Today: ₹23.60 · 1 bill")


def test_window_geometry_is_remembered(qtbot, services, tmp_path: Path):
    settings = QSettings(str(tmp_path / "geometry.ini"), QSettings.Format.IniFormat)
    first = MainWindow(services, settings=settings)
    qtbot.addWidget(first)
    first.resize(1100, 700)
    first.show()
    qtbot.waitExposed(first)
    first.close()
    assert settings.value("window/geometry")
    second = MainWindow(services, settings=settings)
    qtbot.addWidget(second)
    # restored (the small offscreen test screen may clamp it), not the 1366 × 768 default
    assert second.height() == 700 and second.width() != DEFAULT_SIZE.width()
    second.close()
    QThreadPool.globalInstance().waitForDone(5000)


def test_settings_keep_secrets_masked_and_check_the_series(window, services):
    screen = window.show_screen("settings")
    key = "a1b2c3d4-e5f6-7788-99aa-bbccddeeff00"
    screen.api_key.edit.setText(key)
    screen.remote_url.edit.setText("mongodb://shop:s3cret-pw@db.example.com:27017/")
    screen.save_sync()
    device = services.device.all()
    assert device["twoFactorApiKey"] == key
    assert screen.api_key.edit.text() == ""  # never shown again
    assert key not in screen.api_key.edit.placeholderText()
    assert "s3cret-pw" not in screen.remote_url.edit.placeholderText()
    assert "shop:****@db.example.com" in screen.remote_url.edit.placeholderText()
    screen.save_sync()  # saving again without typing keeps the key
    assert services.device.get("twoFactorApiKey") == key
    window.events.flush_now()
    assert window.sync_label.text() == "Sync configured — not running"

    screen.prefix.setText("1A")
    screen.save_device()
    assert "start with a letter" in screen.device_errors.message("invoicePrefix")
    screen.prefix.setText("b2")
    screen.save_device()
    assert services.device.get("invoicePrefix") == "B2"


def test_settings_profile_and_customer_fields(window, services):
    screen = window.show_screen("settings")
    screen.gstin.setText("29ABCDE1234F1Z0")  # wrong check character
    screen.save_profile()
    assert screen.shop_errors.message("gstin")
    screen.gstin.setText("")
    screen.business.setText("Asha Auto Spares & Tyres")
    screen.save_profile()
    assert services.shop.current().business_name == "Asha Auto Spares & Tyres"
    screen.field_email.setChecked(True)
    screen.include_tax.setChecked(True)
    screen.save_billing()
    settings = services.scope.settings()
    assert settings["customerFields"]["emailId"] is True
    assert settings["pricesIncludeTax"] is True


def test_backup_and_restore_from_settings(window, services, qtbot, tmp_path: Path):
    screen = window.show_screen("settings")
    folder = tmp_path / "backups"
    screen.backup_now(str(folder))
    qtbot.waitUntil(
        lambda: running_jobs() == 0 and "Backup written" in screen.last_message, timeout=10000
    )
    assert backups.latest_backup(folder) is not None
    sell(services, "PEN01")
    assert len(services.invoices.recent()) == 1
    screen.restore(str(folder), confirm=False)
    qtbot.waitUntil(
        lambda: running_jobs() == 0 and "Restored" in screen.last_message, timeout=10000
    )
    assert services.invoices.recent() == []
    billing = window.screen("billing")
    billing.search.setText("pen")  # the search index was rebuilt from the restored data
    assert billing.results_model.row_at(0).name == "Pen refill blue"


def test_reports_run_and_export(window, services, qtbot, tmp_path: Path):
    services.customers.create("9845012345", name="Ravi Kumar")
    sell(services, "8902001", 2, paid="500", customer="9845012345")  # credit: to a customer
    sell(services, "PEN01", 1)
    reports = window.show_screen("reports")
    qtbot.waitUntil(lambda: reports.dashboard.sales.value.text() == "₹1,087.00", timeout=5000)
    assert reports.dashboard.chart.points[-1] == ("2025-06-16", 108700)
    assert reports.dashboard.dues.value.text() == "₹575.20"

    reports.list.setCurrentRow(1)  # day book
    qtbot.waitUntil(lambda: running_jobs() == 0 and reports.built is not None, timeout=5000)
    assert reports.built.table.title == "Day book"
    assert reports.model.rowCount() == 2  # the day, then the totals row
    assert reports.model.row_at(1)[:3] == ["Total", "2", "₹1,087.00"]

    reports.list.setCurrentRow(4)  # GST by rate
    qtbot.waitUntil(
        lambda: running_jobs() == 0 and reports.built.table.title.startswith("GST summary by rate"),
        timeout=5000,
    )
    rates = [row[0] for row in reports.model.rows()]
    assert rates == ["18%", "28%", "Total"]
    csv_path = tmp_path / "gst.csv"
    reports.export_csv(str(csv_path))
    qtbot.waitUntil(lambda: running_jobs() == 0 and csv_path.exists(), timeout=5000)
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "gst_rate,taxable,cgst,sgst,igst,total_tax"
    assert lines[2] == "28%,840.00,117.60,117.60,0.00,235.20"
    pdf_path = tmp_path / "gst.pdf"
    reports.export_pdf(str(pdf_path))
    qtbot.waitUntil(lambda: running_jobs() == 0 and pdf_path.exists(), timeout=10000)
    assert pdf_path.read_bytes().startswith(b"%PDF")


def test_a_long_report_reads_on_as_it_is_scrolled_and_exports_whole(
    window, services, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import viveka_pos.services.reports as report_service
    import viveka_pos.ui.screens.reports as report_screen

    monkeypatch.setattr(report_screen, "PAGE_ROWS", 2)
    monkeypatch.setattr(report_service.ReportService.payment_report, "__kwdefaults__", {"limit": 2})
    for _ in range(5):
        sell(services, "PEN01", 1)
    reports = window.show_screen("reports")
    reports.list.setCurrentRow(2)  # payments received
    qtbot.waitUntil(
        lambda: (
            running_jobs() == 0
            and reports.built is not None
            and reports.built.table.title == "Payments received"
        ),
        timeout=5000,
    )
    model = reports.model
    assert reports.built.row_count == 5 and len(reports.built.table.rows) == 2  # a page
    assert "5 payment(s)" in reports.summary.text()
    reports.table.setFocus()  # the table reads on as far as it shows (all 5 here)
    while model.canFetchMore(QModelIndex()):  # what scrolling to the end asks for
        QTest.keyClick(reports.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 6 and model.row_at(5)[0] == "Total"
    assert model.row_at(4)[0] != "Total"
    csv_path = tmp_path / "payments.csv"
    reports.export_csv(str(csv_path))
    qtbot.waitUntil(lambda: running_jobs() == 0 and csv_path.exists(), timeout=5000)
    assert len(csv_path.read_text(encoding="utf-8-sig").splitlines()) == 1 + 5


def test_report_date_presets():
    today = date(2025, 6, 16)
    assert preset_range("Last month", today) == (date(2025, 5, 1), date(2025, 5, 31))
    assert preset_range("This financial year", today) == (date(2025, 4, 1), today)
    assert preset_range("This financial year", date(2026, 2, 3))[0] == date(2025, 4, 1)
    assert preset_range("Last 7 days", today) == (date(2025, 6, 10), today)


def test_first_run_creates_the_shop(qtbot, ctx: ServiceContext):
    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.owner.setText("Meena Shah")
    dialog.business.setText("Shah Stationers")
    dialog.phone.setText("9811122233")
    dialog.accept()
    assert "state" in dialog.errors.message("state")
    assert dialog.shop is None
    dialog.state.setCurrentIndex(dialog.state.findData("24"))
    dialog.gstin.setText("not-a-gstin")
    dialog.accept()
    assert dialog.errors.message("gstin")
    dialog.gstin.clear()
    dialog.accept()
    assert dialog.shop is not None
    shop = ShopService(ctx).local_shop()
    assert (shop.business_name, shop.settings.state_code) == ("Shah Stationers", "24")


def test_first_run_loads_the_demo_shop(qtbot, ctx: ServiceContext):
    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load_demo()
    qtbot.waitUntil(lambda: dialog.shop is not None, timeout=20000)
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted
    assert ShopService(ctx).local_shop().id == dialog.shop.id


def test_unexpected_error_is_logged_and_only_an_apology_is_shown(qtbot, tmp_path: Path):
    log_path = setup_logging(tmp_path)
    errors.set_log_file(log_path)
    shown: list[str] = []

    def read_and_close(box: QMessageBox) -> None:
        shown.append(f"{box.text()}\n{box.informativeText()}")
        box.accept()

    on_dialog(QMessageBox, read_and_close)
    try:
        raise KeyError("engine-internal-detail")
    except KeyError:
        errors.report_unexpected(*sys.exc_info())
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert shown and shown[0].startswith("Sorry — something went wrong")
    assert "Traceback" not in shown[0] and "engine-internal-detail" not in shown[0]
    logged = log_path.read_text(encoding="utf-8")
    assert "Traceback" in logged and "engine-internal-detail" in logged
    errors.set_log_file(None)
    stop_logging(tmp_path)


def test_user_errors_read_as_words():
    from viveka_pos.domain.errors import ValidationError

    assert errors.user_message(ValidationError("paidAmount", "cannot be negative")) == (
        "Amount paid: cannot be negative"
    )
    assert errors.is_user_error(ValidationError("x", "y"))
    assert not errors.is_user_error(KeyError("x"))


def test_typing_in_dialog_fields_is_not_taken_for_a_scan(window, services, qtbot):
    from viveka_pos.ui.dialogs.customer_lookup import CustomerLookupDialog

    billing = window.screen("billing")
    names: list[str] = []

    def scan_into_phone(dialog: CustomerLookupDialog) -> None:
        type_text("98450", dialog.query)
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        QTest.keyClicks(dialog.query, "8901002")  # a scan while the dialog is open
        QTest.keyClick(dialog.query, Qt.Key.Key_Return)
        names.append(dialog.query.text())
        dialog.reject()

    on_dialog(CustomerLookupDialog, scan_into_phone)
    billing.choose_customer()
    assert names == ["98450"]  # the phone box got back what was typed
    # the scan was kept while the dialog was open and added once it closed
    qtbot.waitUntil(lambda: billing.cart_model.rowCount() == 1)
    assert "Spark plug NGK" in billing.last_message


def test_automatic_backup_after_bills_is_reported(qtbot, services, tmp_path: Path):
    from viveka_pos.services.backups import AutoBackup, find_backups

    folder = tmp_path / "auto"
    services.device.update(backupDir=str(folder), backupEveryBills=1)
    auto = AutoBackup(services.ctx.store)
    main = MainWindow(services, auto_backup=auto)
    auto.on_finished = main.backup_finished.emit
    qtbot.addWidget(main)
    main.show()
    sell(services, "PEN01")
    main.events.flush_now()
    qtbot.waitUntil(
        lambda: "Automatic backup written" in main.statusBar().currentMessage(), timeout=10000
    )
    assert [e.counts.get("invoices") for e in find_backups([folder])] == [1]
    auto.wait(10)
    main.close()
    QThreadPool.globalInstance().waitForDone(5000)


def test_invoice_renders_for_the_chosen_paper(services):
    from viveka_pos.ui.print_jobs import paper_for, render_invoice

    invoice = sell(services, "8902001", 1)
    payments = services.payments.documents_for_invoice(invoice["_id"])
    shop = services.shop.document_for_print()
    assert paper_for(services) == "a4"
    services.device.update(paperSize="58mm")
    assert paper_for(services) == "58mm"
    for paper in ("a4", "80mm", "58mm"):
        assert render_invoice(invoice, shop, payments, paper).startswith(b"%PDF")


def test_log_in_and_out_from_settings(window, services, qtbot, monkeypatch):

    from viveka_pos.ui.dialogs.auth import LoginDialog

    monkeypatch.setenv("VIVEKA_OTP_MODE", "mock")
    screen = window.show_screen("settings")
    assert screen.account_state.text() == "Not logged in"
    assert not screen.logout_button.isEnabled()

    seen = on_dialog(
        LoginDialog, lambda dialog: _send_and_enter_demo_otp(qtbot, dialog), timeout_ms=15_000
    )
    screen.login_button.click()
    assert seen and seen[0].session is not None
    assert screen.account_state.text().startswith("Logged in · 9890000000")
    assert window.login_label.text() == "Logged in · 9890000000"
    screen.logout_button.click()
    assert screen.account_state.text() == "Not logged in"
    assert window.login_label.text() == "Not logged in"


def _send_and_enter_demo_otp(qtbot, dialog) -> None:
    """In an OTP dialog: Enter on the phone sends the (demo) OTP; type it and confirm."""
    from PySide6.QtCore import Qt

    qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.otp_box.isVisible, timeout=10_000)
    qtbot.keyClicks(dialog.otp_edit, "1234")
    qtbot.keyClick(dialog.otp_edit, Qt.Key.Key_Return)


def test_app_starts_sync_and_shows_its_state(window, services, qtbot, tmp_path: Path, monkeypatch):
    from tests.integration.mongo_server import running_server
    from viveka_pos.app import start_sync
    from viveka_pos.services.auth import AuthService
    from viveka_pos.services.otp import MOCK_OTP, OtpService

    auth = AuthService(
        services.ctx, OtpService(services.ctx, environ={"VIVEKA_OTP_MODE": "mock"}, bcrypt_rounds=4)
    )
    with running_server(tmp_path / "remote") as server:
        monkeypatch.setenv("VIVEKA_MONGO_URL", server.url)
        shop = services.shop.current()
        worker = start_sync(services.ctx, shop, window)
        try:  # not logged in: nothing is sent, and the status bar says why
            qtbot.waitUntil(lambda: "log in again" in window.sync_label.text(), timeout=30_000)
            assert worker.status.state == "login"
        finally:
            worker.stop()
        monkeypatch.delenv("VIVEKA_MONGO_URL")  # (demo logins are refused with a remote)
        auth.start_login("9890000000")
        auth.login("9890000000", MOCK_OTP)
        monkeypatch.setenv("VIVEKA_MONGO_URL", server.url)
        worker = start_sync(services.ctx, shop, window)
        try:
            assert worker is not None and window.sync_worker is worker
            qtbot.waitUntil(lambda: window.sync_label.text() == "Sync: synced", timeout=30_000)
            remote = server.client()["viveka_9890000000"]  # the shop's own database
            assert remote.clients.count_documents({"phoneNumber": "9890000000"}) == 1
        finally:
            worker.stop()
    monkeypatch.delenv("VIVEKA_MONGO_URL")
    services.device.update(remoteUrl="")
    assert start_sync(services.ctx, services.shop.current(), window) is None


def test_first_run_registers_with_an_otp(qtbot, ctx: ServiceContext, monkeypatch):

    from viveka_pos.ui.dialogs.auth import RegisterDialog

    monkeypatch.setenv("VIVEKA_OTP_MODE", "mock")
    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.phone.setText("9811122299")

    def register(reg):
        qtbot.keyClicks(reg.owner_edit, "Meena Shah")
        qtbot.keyClicks(reg.business_edit, "Shah Stationers")
        _send_and_enter_demo_otp(qtbot, reg)  # the phone came from the wizard

    seen = on_dialog(RegisterDialog, register, timeout_ms=15_000)
    dialog.register_button.click()
    assert seen and seen[0].shop is not None
    assert dialog.shop is not None and dialog.result() == FirstRunDialog.DialogCode.Accepted
    shop = ShopService(ctx).local_shop()
    assert (shop.phone_number, shop.business_name) == ("9811122299", "Shah Stationers")
    assert ctx.store.count("otpsessions") == 0  # the OTP was used up
