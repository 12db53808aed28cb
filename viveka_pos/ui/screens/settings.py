"""Settings: the shop's profile and billing rules (synced), and this PC's own settings
(invoice series, printer, backups, sync and SMS — never synced)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.shop import CustomerFields
from ...domain.errors import ValidationError
from ...domain.states import state_by_name
from ...services import backups
from ...services.device import SECRET_LABELS
from ...services.facade import ShopServices
from ...services.formatting import moment
from ...sync.deadletters import DeadLetters
from ..errors import show_error, user_message
from ..widgets.dead_letters import DeadLettersBox
from ..widgets.fields import (
    FormErrors,
    gst_rate_combo,
    select_data,
    select_gst_rate,
    state_combo,
)
from ..widgets.secret import SecretField
from ..workers import run_with_progress

PAGE_WIDTH = 820
PAPERS = (("a4", "A4 tax invoice"), ("80mm", "80 mm receipt roll"), ("58mm", "58 mm receipt roll"))


def _page(*widgets: QWidget) -> QScrollArea:
    inner = QWidget()
    layout = QVBoxLayout(inner)
    layout.setContentsMargins(16, 16, 16, 16)
    layout.setSpacing(14)
    for widget in widgets:
        widget.setMaximumWidth(PAGE_WIDTH)
        layout.addWidget(widget)
    layout.addStretch(1)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(inner)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def _save_row(text: str, action: Callable[[], None], status: QLabel) -> QHBoxLayout:
    row = QHBoxLayout()
    status.setObjectName("hint")
    row.addWidget(status, 1)
    button = QPushButton(text)
    button.setObjectName("primary")
    button.clicked.connect(action)
    row.addWidget(button)
    return row


class SettingsScreen(QWidget):
    title = "Settings"
    #: the whole data set was replaced (restore): everything must be read again
    data_replaced = Signal()

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.last_message = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._shop_tab(), "Shop")
        self.tabs.addTab(self._billing_tab(), "Billing && tax")
        self.tabs.addTab(self._device_tab(), "This PC")
        self.tabs.addTab(self._backup_tab(), "Backup")
        self.tabs.addTab(self._sync_tab(), "Sync && SMS")
        self.refresh()

    # ------------------------------------------------------------------ shop
    def _shop_tab(self) -> QWidget:
        box = QGroupBox("Shop profile (printed on every invoice)")
        general = QLabel()
        self.shop_errors = FormErrors(general)
        form = QFormLayout(box)
        self.owner = QLineEdit()
        self.business = QLineEdit()
        self.shop_name = QLineEdit()
        self.location = QLineEdit()
        self.city = QLineEdit()
        self.state = state_combo("—")
        self.gstin = QLineEdit()
        self.gstin.setPlaceholderText(
            "15 characters, e.g. 29ABCDE1234F1Z5 (leave empty if not registered)"
        )
        self.phone = QLabel()
        form.addRow("Phone", self.phone)
        self.shop_errors.add_row(form, "Owner name *", "ownerName", self.owner)
        self.shop_errors.add_row(form, "Business name *", "businessName", self.business)
        self.shop_errors.add_row(form, "Shop name", "shopName", self.shop_name)
        self.shop_errors.add_row(form, "Address", "location", self.location)
        self.shop_errors.add_row(form, "City", "city", self.city)
        self.shop_errors.add_row(form, "State", ("state", "stateCode"), self.state)
        self.shop_errors.add_row(form, "GSTIN", "gstin", self.gstin)
        form.addRow(general)
        self.shop_status = QLabel()
        form.addRow(_save_row("Save profile", self.save_profile, self.shop_status))
        return _page(box)

    def save_profile(self) -> None:
        state_code = self.state.currentData() or ""
        state_name = self.state.currentText().rsplit(" (", 1)[0] if state_code else ""
        try:
            self.services.shop.update_profile(
                self.services.client_id,
                owner_name=self.owner.text(),
                business_name=self.business.text(),
                shop_name=self.shop_name.text(),
                location=self.location.text(),
                city=self.city.text(),
                state=state_name,
                gstin=self.gstin.text(),
            )
            if state_code and not self.gstin.text().strip():
                self.services.shop.update_settings(self.services.client_id, state_code=state_code)
        except ValidationError as exc:
            self.shop_errors.show(exc)
            return
        self.shop_errors.clear()
        self._done(self.shop_status, "Profile saved.")
        self.refresh()

    # --------------------------------------------------------------- billing
    def _billing_tab(self) -> QWidget:
        tax = QGroupBox("Tax and prices")
        general = QLabel()
        self.billing_errors = FormErrors(general)
        form = QFormLayout(tax)
        self.default_rate = gst_rate_combo()
        self.include_tax = QCheckBox("Prices I enter include GST")
        self.negative_stock = QCheckBox("Allow billing more than the stock on hand")
        self.shop_paper = QComboBox()
        for key, label in PAPERS:
            self.shop_paper.addItem(label, key)
        self.upi = QLineEdit()
        self.upi.setPlaceholderText("e.g. shopname@okaxis (printed as a QR code to pay)")
        self.terms = QPlainTextEdit()
        self.terms.setFixedHeight(70)
        self.terms.setTabChangesFocus(True)
        self.billing_errors.add_row(
            form, "Default GST rate for new items", "defaultGstRate", self.default_rate
        )
        self.billing_errors.add_row(form, "", "pricesIncludeTax", self.include_tax)
        self.billing_errors.add_row(form, "", "allowNegativeStock", self.negative_stock)
        self.billing_errors.add_row(form, "Invoice paper", "paperSize", self.shop_paper)
        self.billing_errors.add_row(form, "UPI id", "upiId", self.upi)
        self.billing_errors.add_row(form, "Terms on invoices", "termsText", self.terms)

        fields = QGroupBox("Customer details to ask for")
        fields_layout = QVBoxLayout(fields)
        note = QLabel(
            "Phone and name are always asked. Turn on what else your bills need "
            "(GSTIN for business customers who claim tax credit)."
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        fields_layout.addWidget(note)
        self.field_address = QCheckBox("Address")
        self.field_gst = QCheckBox("GSTIN")
        self.field_email = QCheckBox("Email")
        for box in (self.field_address, self.field_gst, self.field_email):
            fields_layout.addWidget(box)
        fields_layout.addWidget(self.billing_errors.bind("customerFields", QWidget()))
        self.billing_status = QLabel()
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(general)
        holder_layout.addLayout(
            _save_row("Save billing settings", self.save_billing, self.billing_status)
        )
        return _page(tax, fields, holder)

    def save_billing(self) -> None:
        try:
            self.services.shop.update_settings(
                self.services.client_id,
                default_gst_rate=self.default_rate.currentData(),
                prices_include_tax=self.include_tax.isChecked(),
                allow_negative_stock=self.negative_stock.isChecked(),
                paper_size=self.shop_paper.currentData(),
                upi_id=self.upi.text().strip(),
                terms_text=self.terms.toPlainText(),
                customer_fields=CustomerFields(
                    address=self.field_address.isChecked(),
                    gst_no=self.field_gst.isChecked(),
                    email_id=self.field_email.isChecked(),
                ),
            )
        except ValidationError as exc:
            self.billing_errors.show(exc)
            return
        self.billing_errors.clear()
        self._done(self.billing_status, "Billing settings saved.")

    # ---------------------------------------------------------------- device
    def _show_next_number(self, series: str = "") -> None:
        """The series note shows what this PC's next bill number really is."""
        text = (
            "Each counter needs its own series so two PCs never make the same invoice "
            "number offline."
        )
        try:
            number = self.services.invoices.next_number(series.strip().upper() or None)
        except ValidationError:
            number = ""
        if number:
            text += f" With this series the next bill is {number}."
        self.prefix_note.setText(text)

    def _device_tab(self) -> QWidget:
        box = QGroupBox("This computer (not shared with other counters)")
        general = QLabel()
        self.device_errors = FormErrors(general)
        form = QFormLayout(box)
        self.prefix = QLineEdit()
        self.prefix.setMaxLength(4)
        self.prefix.setPlaceholderText("e.g. A1")
        prefix_note = QLabel()
        prefix_note.setObjectName("hint")
        prefix_note.setWordWrap(True)
        self.prefix_note = prefix_note
        self.prefix.textChanged.connect(self._show_next_number)
        self.device_paper = QComboBox()
        self.device_paper.addItem("Same as the shop setting", "")
        for key, label in PAPERS:
            self.device_paper.addItem(label, key)
        self.printer = QComboBox()
        self.printer.setEditable(False)
        self.device_errors.add_row(form, "Invoice series", "invoicePrefix", self.prefix)
        form.addRow("", prefix_note)
        self.device_errors.add_row(form, "Paper on this PC", "paperSize", self.device_paper)
        self.device_errors.add_row(form, "Printer", "printerName", self.printer)
        form.addRow(general)
        self.device_status = QLabel()
        form.addRow(_save_row("Save", self.save_device, self.device_status))
        return _page(box)

    def _fill_printers(self, chosen: str) -> None:
        from ...printing.printer import available_printers

        self.printer.clear()
        self.printer.addItem("Ask every time (print dialog)", "")
        names = available_printers()
        for name in names:
            self.printer.addItem(name, name)
        if chosen and chosen not in names:
            self.printer.addItem(f"{chosen} (not found now)", chosen)
        select_data(self.printer, chosen)

    def save_device(self) -> None:
        try:
            self.services.device.update(
                invoice_prefix=self.prefix.text(),
                paper_size=self.device_paper.currentData() or "",
                printer_name=self.printer.currentData() or "",
            )
        except ValidationError as exc:
            self.device_errors.show(exc)
            return
        self.device_errors.clear()
        self._done(self.device_status, "Saved for this PC.")
        self.refresh()

    # ---------------------------------------------------------------- backup
    def _backup_tab(self) -> QWidget:
        box = QGroupBox("Backups")
        general = QLabel()
        self.backup_errors = FormErrors(general)
        form = QFormLayout(box)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.backup_dir = QLineEdit()
        self.backup_dir.setPlaceholderText("e.g. a USB drive or a synced folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_backup_dir)
        row.addWidget(self.backup_dir, 1)
        row.addWidget(browse)
        self.backup_errors.add_row(form, "Backup folder", "backupDir", folder_row)
        self.backups_info = QLabel()
        self.backups_info.setObjectName("hint")
        self.backups_info.setWordWrap(True)
        form.addRow("", self.backups_info)
        self.every_bills = QLineEdit()
        self.every_bills.setMaxLength(4)
        self.every_bills.setFixedWidth(80)
        self.backup_errors.add_row(
            form,
            "Automatic backup every",
            "backupEveryBills",
            _with_suffix(self.every_bills, "bills (and once a day at start-up)"),
        )
        self.auto_info = QLabel()
        self.auto_info.setObjectName("hint")
        self.auto_info.setWordWrap(True)
        form.addRow("", self.auto_info)
        form.addRow(general)
        buttons = QHBoxLayout()
        self.backup_status = QLabel()
        self.backup_status.setObjectName("hint")
        self.backup_status.setWordWrap(True)
        buttons.addWidget(self.backup_status, 1)
        save = QPushButton("Save")
        save.clicked.connect(self.save_backup_settings)
        restore = QPushButton("Restore…")
        restore.clicked.connect(lambda: self.restore())
        now = QPushButton("Back up now")
        now.setObjectName("primary")
        now.clicked.connect(lambda: self.backup_now())
        buttons.addWidget(save)
        buttons.addWidget(restore)
        buttons.addWidget(now)
        form.addRow(buttons)
        note = QLabel(
            "A restore replaces all data on this PC with the backup. A safety copy "
            "of the current data is written first (in the data folder's "
            "'backups')."
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        return _page(box, note)

    def _browse_backup_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Backup folder", self.backup_dir.text() or str(Path.home())
        )
        if folder:
            self.backup_dir.setText(folder)

    def _describe_backups(self) -> None:
        folder = self.backup_dir.text().strip()
        found = backups.list_backups(folder) if folder else []
        if not folder:
            self.backups_info.setText("Choose a folder, then “Back up now”.")
        elif not found:
            self.backups_info.setText("No backups in this folder yet.")
        else:
            self.backups_info.setText(f"{len(found)} backup(s) here; newest: {found[-1].name}")

    def backup_now(self, folder: str | None = None) -> None:
        target = (folder if folder is not None else self.backup_dir.text()).strip()
        if not target:
            self.backup_errors.show(ValidationError("backupDir", "choose a folder first"))
            return
        self.backup_errors.clear()
        if not self._save_backup_settings(target):
            return
        store = self.services.ctx.store

        def done(manifest: Any) -> None:
            self._describe_backups()
            self._done(
                self.backup_status,
                f"Backup written: {manifest.total_documents} "
                f"records, {moment(_parse_iso(manifest.created_at))}.",
            )

        run_with_progress(
            self,
            "Backup",
            "Writing and checking the backup…",
            lambda _progress: backups.backup_now(store, target),
            on_done=done,
            on_failed=self._backup_failed,
        )

    def save_backup_settings(self) -> None:
        self.backup_errors.clear()
        if self._save_backup_settings(self.backup_dir.text().strip()):
            self._describe_backups()
            self._describe_auto_backups()
            self._done(self.backup_status, "Backup settings saved.")

    def _save_backup_settings(self, folder: str) -> bool:
        text = self.every_bills.text().strip() or "50"
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            self.backup_errors.show(
                ValidationError("backupEveryBills", "must be a whole number from 1 to 1000")
            )
            return False
        self.services.device.update(backup_dir=folder, backup_every_bills=int(text))
        return True

    def _describe_auto_backups(self) -> None:
        store = self.services.ctx.store
        good = backups.last_good_backup(store)
        failed = backups.last_failure(store)
        lines = [
            f"Last automatic backup: {moment(good.at.replace(tzinfo=None))} in {good.folder}"
            if good
            else "No automatic backup yet."
        ]
        if failed is not None and (good is None or failed[0] > good.at):
            lines.append(
                f"Last attempt failed {moment(failed[0].replace(tzinfo=None))}: {failed[1]}"
            )
        lines.append(f"Automatic backups go to {backups.backup_dir(store)}.")
        self.auto_info.setText("\n".join(lines))

    def _backup_failed(self, exc: BaseException) -> None:
        self._done(self.backup_status, f"Backup failed: {user_message(exc)}")
        show_error(self, exc, "Backup")

    def restore(self, folder: str | None = None, *, confirm: bool = True) -> None:
        """Restore a backup: check it first (on a worker), say whose and how old it is,
        ask, then replace the data (on a worker)."""
        if folder is None:
            start = self.backup_dir.text().strip() or str(Path.home())
            newest = backups.latest_backup(start) if self.backup_dir.text().strip() else None
            folder = QFileDialog.getExistingDirectory(
                self, "Choose the backup to restore", str(newest or start)
            )
            if not folder:
                return
        chosen = (
            backups.latest_backup(folder)
            if not (Path(folder) / "manifest.json").is_file()
            else Path(folder)
        )
        if chosen is None:
            self._restore_failed(
                ValidationError("backupDir", f"{folder} holds no Viveka POS backup")
            )
            return
        store = self.services.ctx.store

        def checked(found: Any) -> None:
            if confirm and not self._confirm_restore(found):
                return
            # Asked (or told not to ask): another shop's backup was confirmed above.
            run_with_progress(
                self,
                "Restore",
                "Restoring the backup…",
                lambda _progress: backups.restore(
                    store, found.folder, allow_other_shop=True, checked=found
                ),
                on_done=self._restored,
                on_failed=self._restore_failed,
            )

        run_with_progress(
            self,
            "Restore",
            "Checking the backup…",
            lambda _progress: backups.preview(chosen, store),
            on_done=checked,
            on_failed=self._restore_failed,
        )

    def _confirm_restore(self, found: Any) -> bool:
        text = (
            f"Replace ALL data on this PC with the backup of "
            f"{moment(found.created_at.replace(tzinfo=None))}?\n\n"
            f"Shop: {found.shop_name or '—'} ({found.shop_phone or '—'})\n"
            f"Invoices: {found.counts.get('invoices', 0)} · items: "
            f"{found.counts.get('items', 0)} · customers: "
            f"{found.counts.get('clientCustomers', 0)}\n\n"
            "Bills made after that backup will be gone from this PC (a safety copy of "
            "the current data is kept)."
        )
        if found.damaged_here:
            text += (
                "\n\nThe data on this PC is damaged: it is kept as it is in the folder "
                "“damaged” (not as a backup)."
            )
            if found.is_this_shop is False:
                text = (
                    "WARNING: this backup is of other data than this PC holds (its shop "
                    "records are damaged and cannot be compared).\n\n" + text
                )
        elif found.is_this_shop is False:
            text = "WARNING: this backup is of ANOTHER shop.\n\n" + text
        answer = QMessageBox.warning(
            self,
            "Restore backup",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _restored(self, found: Any) -> None:
        kept = ""
        if found.kept_in is not None:
            kept = (
                f" The damaged data it replaced is kept as it was in {found.kept_in}."
                if found.kept_damaged
                else f" A safety copy of the data it replaced is in {found.kept_in}."
            )
        self._done(
            self.backup_status,
            f"Restored the backup of "
            f"{moment(found.created_at.replace(tzinfo=None))} "
            f"({found.total} records).{kept}",
        )
        self.data_replaced.emit()

    def _restore_failed(self, exc: BaseException) -> None:
        self._done(self.backup_status, f"Restore failed; nothing was changed. {user_message(exc)}")
        show_error(self, exc, "Restore")

    # ------------------------------------------------------------------ sync
    def _sync_tab(self) -> QWidget:
        sync = QGroupBox("Sync with the online database")
        general = QLabel()
        self.sync_errors = FormErrors(general)
        form = QFormLayout(sync)
        self.remote_url = SecretField(password=False, url=True)
        self.remote_db = QLineEdit()
        self.remote_db.setPlaceholderText(
            "the shop's own: viveka_<phone>, or the one named in the address"
        )
        self.sync_errors.add_row(form, "MongoDB URL", "remoteUrl", self.remote_url)
        self.sync_errors.add_row(form, "Database name", "remoteDatabase", self.remote_db)
        self.secrets_note = QLabel()
        self.secrets_note.setObjectName("warning")
        self.secrets_note.setWordWrap(True)
        form.addRow(self.secrets_note)

        sms = QGroupBox("Login codes by SMS (2factor.in)")
        sms_form = QFormLayout(sms)
        self.otp_mode = QComboBox()
        self.otp_mode.addItem("SMS (2factor.in)", "sms")
        self.otp_mode.addItem("Demo — fixed code 1234, no SMS sent", "mock")
        self.api_key = SecretField(password=True)
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText("https://2factor.in")
        self.template = QLineEdit()
        self.template.setPlaceholderText("Template name registered with 2factor.in")
        self.otp_effect = QLabel()
        self.otp_effect.setObjectName("hint")
        self.otp_effect.setWordWrap(True)
        self.sync_errors.add_row(sms_form, "Mode", "otpMode", self.otp_mode)
        self.sync_errors.add_row(sms_form, "API key", "twoFactorApiKey", self.api_key)
        self.sync_errors.add_row(sms_form, "Service URL", "twoFactorBaseUrl", self.base_url)
        self.sync_errors.add_row(sms_form, "Template", "twoFactorTemplate", self.template)
        sms_form.addRow("In effect", self.otp_effect)
        account = self._account_box()
        self.sync_status = QLabel()
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(general)
        holder_layout.addLayout(_save_row("Save", self.save_sync, self.sync_status))
        self.dead_letters = DeadLettersBox(DeadLetters(self.services.ctx.store))
        return _page(sync, sms, account, holder, self.dead_letters)

    # ----------------------------------------------------------------- login
    def _auth(self) -> Any:
        from ...services.auth import AuthService
        from ...services.otp import OtpService

        otp = OtpService(self.services.ctx)
        return AuthService(self.services.ctx, otp), otp

    def _account_box(self) -> QGroupBox:
        box = QGroupBox("Login on this PC")
        row = QHBoxLayout(box)
        self.account_state = QLabel()
        self.account_state.setWordWrap(True)
        self.login_button = QPushButton("Log in…")
        self.login_button.clicked.connect(self.log_in)
        self.logout_button = QPushButton("Log out")
        self.logout_button.clicked.connect(self.log_out)
        row.addWidget(self.account_state, 1)
        row.addWidget(self.login_button)
        row.addWidget(self.logout_button)
        self._show_account()
        return box

    def _show_account(self) -> str:
        auth, _ = self._auth()
        session = auth.current_session()
        text = (
            f"Logged in · {session.shop.phone_number}" if session is not None else "Not logged in"
        )
        self.account_state.setText(
            text
            if session is None
            else f"{text} — valid until "
            f"{session.expires_at.astimezone().strftime('%d %b %Y')}, offline too."
        )
        self.logout_button.setEnabled(session is not None)
        window = self.window()
        if hasattr(window, "set_login_state"):
            window.set_login_state(text)
        return text

    def log_in(self) -> None:
        from ..dialogs.auth import LoginDialog

        auth, otp = self._auth()
        phone = self.services.shop.current().phone_number
        LoginDialog(auth, otp, phone=phone, parent=self).exec()
        self._show_account()

    def log_out(self) -> None:
        auth, _ = self._auth()
        auth.logout()
        self._show_account()

    def save_sync(self) -> None:
        base = self.base_url.text().strip()
        values: dict[str, Any] = {
            "remote_database": self.remote_db.text().strip(),
            "otp_mode": self.otp_mode.currentData(),
            "two_factor_base_url": base,
            "two_factor_template": self.template.text().strip(),
        }
        url = self.remote_url.value_to_save()
        if url is not None:
            if url and not url.startswith(("mongodb://", "mongodb+srv://")):
                self.sync_errors.show(
                    ValidationError("remoteUrl", "must start with mongodb:// or mongodb+srv://")
                )
                return
            values.update(remote_url=url)
        key = self.api_key.value_to_save()
        if key is not None:
            values.update(two_factor_api_key=key)
        if base and not base.startswith(("https://", "http://")):
            self.sync_errors.show(ValidationError("twoFactorBaseUrl", "must start with https://"))
            return
        self.services.device.update(**values)
        self.sync_errors.clear()
        self._done(self.sync_status, "Saved for this PC. Keys are never shown again.")
        self.refresh()

    # ---------------------------------------------------------------- common
    def _done(self, label: QLabel, text: str) -> None:
        self.last_message = text
        label.setText(text)

    def refresh(self, changed: set[str] | None = None) -> None:
        self.dead_letters.refresh()
        if changed is not None and not changed & {"clients", "localsettings"}:
            return
        shop = self.services.shop.current()
        settings = shop.settings
        self.phone.setText(shop.phone_number)
        self.owner.setText(shop.owner_name)
        self.business.setText(shop.business_name)
        self.shop_name.setText(shop.shop_name)
        self.location.setText(shop.location)
        self.city.setText(shop.city)
        state = state_by_name(shop.state) if shop.state else None
        select_data(self.state, state.code if state else settings.state_code)
        self.gstin.setText(shop.gstin)

        select_gst_rate(self.default_rate, settings.default_gst_rate)
        self.include_tax.setChecked(settings.prices_include_tax)
        self.negative_stock.setChecked(settings.allow_negative_stock)
        select_data(self.shop_paper, settings.paper_size)
        self.upi.setText(settings.upi_id)
        self.terms.setPlainText(settings.terms_text)
        fields = settings.customer_fields
        self.field_address.setChecked(fields.address)
        self.field_gst.setChecked(fields.gst_no)
        self.field_email.setChecked(fields.email_id)

        device = self.services.device.current()
        self.prefix.setText(device.invoice_prefix)
        self._show_next_number(self.prefix.text())
        select_data(self.device_paper, device.paper_size)
        self._fill_printers(device.printer_name)
        self.backup_dir.setText(device.backup_dir)
        self.every_bills.setText(str(device.backup_every_bills))
        self._describe_backups()
        self._describe_auto_backups()
        self.remote_url.set_saved(device.remote_url)
        self._describe_missing_secrets()
        self.remote_db.setText(device.remote_database)
        select_data(self.otp_mode, device.otp_mode or "sms")
        self.api_key.set_saved(device.two_factor_api_key)
        self.base_url.setText(device.two_factor_base_url)
        self.template.setText(device.two_factor_template)
        self.otp_effect.setText(self._auth()[1].settings().describe())

    def _describe_missing_secrets(self) -> None:
        """A data file restored from a backup (or copied from another PC) does not carry
        its secrets: say which to enter again."""
        missing = self.services.device.missing_secrets()
        hints = self.services.device.saved_hints()
        self.secrets_note.setText(
            "\n".join(
                f"Enter {SECRET_LABELS[key]} again: it was set ({hints.get(key, '')}) but is not "
                "saved on this computer — backups and copied data folders never carry it."
                for key in missing
            )
        )
        self.secrets_note.setVisible(bool(missing))


def _with_suffix(edit: QWidget, suffix: str) -> QWidget:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit)
    label = QLabel(suffix)
    row.addWidget(label, 1)
    return holder


def _parse_iso(text: str) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text
