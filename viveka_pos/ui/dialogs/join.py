"""Join a shop kept on the online database (a second counter of the shop), from the first run.

The steps of :class:`~viveka_pos.services.join.JoinService`, each off the UI thread: find
the shop and bring its document (progress dialog), log in with the OTP (the login dialog),
then the first full sync (progress dialog). On success :attr:`JoinDialog.shop` is the joined
shop. Closing the login dialog without logging in takes the shop's document away again, so
nothing is left half joined.

The OTP goes by SMS to the shop's phone and is checked against the session kept in the
shop's remote database, so the 2factor.in key is asked for when this PC has none; demo mode
cannot join. The database defaults to the shop's own (``viveka_<phone>``, or the one the
address names), and the dialog says when the address would share a database between shops.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from ...domain.entities.shop import Shop
from ...domain.errors import ValidationError
from ...services.auth import AuthService
from ...services.context import ServiceContext
from ...services.join import (
    DEFAULT_TIMEOUT_MS,
    Joining,
    JoinResult,
    JoinService,
    RemoteError,
)
from ...services.otp import OtpService
from ..errors import is_user_error, report_unexpected
from ..widgets.fields import FormErrors, headed_layout, phone_edit
from ..workers import run_with_progress

log = logging.getLogger("viveka_pos.ui.join")

TITLE = "Join a shop"


class JoinDialog(QDialog):
    """Asks for the online database and the shop phone, then joins; :attr:`shop` on success.

    ``timeout_ms`` bounds each wait for the remote (a short one suits tests).
    """

    def __init__(
        self,
        ctx: ServiceContext,
        parent: QWidget | None = None,
        *,
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
        otp: OtpService | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.joins = JoinService(ctx, timeout_ms=timeout_ms)
        self.otp = otp or OtpService(ctx)
        self.auth = AuthService(ctx, self.otp)
        self.timeout_ms = timeout_ms
        self.shop: Shop | None = None
        self.result_info: JoinResult | None = None
        self._joining: Joining | None = None
        self._busy = False
        self.setWindowTitle(f"{TITLE} — Viveka POS")
        self.setMinimumWidth(560)

        saved = self.joins.saved_address()
        self._saved_url = saved.url

        layout = headed_layout(
            self,
            "Join a shop from another computer",
            "For another counter of a shop that already syncs with its online database: this "
            "computer finds the shop there, you log in with the OTP sent to the shop phone, and "
            "then its items, customers and bills come over.",
        )

        general = QLabel()
        self.errors = FormErrors(general)
        form = QFormLayout()
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("remoteUrlEdit")
        if saved.url and not saved.has_password:
            self.url_edit.setText(saved.url)
        elif saved.url:  # it has a password: never shown, used unless replaced
            self.url_edit.setPlaceholderText(f"{saved.shown} — type to use another")
        else:
            self.url_edit.setPlaceholderText("mongodb+srv://user:password@cluster…/")
        self.database_edit = QLineEdit(saved.database)
        self.database_edit.setObjectName("remoteDatabaseEdit")
        self.database_edit.setPlaceholderText(
            "the shop's own: viveka_<phone>, or the one named in the address"
        )
        self.phone = phone_edit()
        self.phone.setObjectName("phoneEdit")
        self.errors.add_row(form, "MongoDB URL *", "remoteUrl", self.url_edit)
        self.errors.add_row(form, "Database name", "remoteDatabase", self.database_edit)
        self.errors.add_row(form, "Shop phone *", "phoneNumber", self.phone)
        settings = self.otp.settings()
        self.api_key: QLineEdit | None = None
        if not settings.api_key:
            self.api_key = QLineEdit()
            self.api_key.setObjectName("apiKeyEdit")
            self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
            self.api_key.setPlaceholderText("needed to send the OTP by SMS")
            self.errors.add_row(form, "2factor.in API key", "twoFactorApiKey", self.api_key)
        layout.addLayout(form)

        self.otp_note = QLabel(
            "The OTP goes by SMS to the shop phone (demo mode cannot join a shop)."
            if settings.mock
            else "The OTP goes by SMS to the shop phone."
        )
        self.otp_note.setObjectName("hint")
        self.otp_note.setWordWrap(True)
        layout.addWidget(self.otp_note)
        layout.addWidget(general)
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.status)

        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.join_button = QPushButton("Find the shop and log in…")
        self.join_button.setObjectName("primary")
        self.join_button.setDefault(True)
        self.join_button.clicked.connect(self.start)
        row.addWidget(self.cancel_button)
        row.addWidget(self.join_button)
        layout.addLayout(row)
        first_empty = next(
            (
                w
                for w in (self.url_edit, self.phone)
                if not w.text() and not (w is self.url_edit and self._saved_url)
            ),
            self.phone,
        )
        first_empty.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ step 1
    def start(self) -> None:
        """Check the inputs here, then find the shop and bring its document (worker)."""
        try:
            target = self.joins.target(
                self.url_edit.text(),
                self.database_edit.text(),
                self.phone.text(),
                api_key=self.api_key.text() if self.api_key is not None else None,
            )
        except ValidationError as exc:
            self.errors.show(exc)
            return
        self.errors.clear()
        self._set_busy(True, "Looking for the shop…")
        self._abandon()
        joins = self.joins

        def find(_progress: Any) -> Joining:
            return joins.find(target)

        run_with_progress(
            self,
            TITLE,
            "Looking for the shop on the online database…",
            find,
            on_done=self._found,
            on_failed=self._failed,
        )

    def _found(self, joining: Joining) -> None:
        self._joining = joining
        from .auth import LoginDialog

        self.otp, self.auth = self.joins.login_services(joining)
        notes = "".join(f"\nNote: {w}." for w in joining.target.warnings)
        self._set_busy(True, f"Log in with the OTP to bring the shop's data.{notes}")
        login = LoginDialog(self.auth, self.otp, phone=self.phone.text(), parent=self)
        login.finished.connect(lambda _code: self._logged_in(login))
        login.open()

    # ------------------------------------------------------------------ step 2
    def _logged_in(self, login: Any) -> None:
        session, joining = login.session, self._joining
        login.deleteLater()
        if joining is None:
            return
        if session is None or session.client_id != joining.client_id:
            self._undo("Not logged in: nothing was brought to this computer.")
            return
        self._set_busy(True, "Bringing the shop's data…")
        joins = self.joins

        def pull(progress: Any) -> JoinResult:
            return joins.finish(joining, session, progress=lambda text: progress(0, 0, text))

        run_with_progress(
            self,
            TITLE,
            "Bringing the shop's items, customers and bills…",
            pull,
            on_done=self._joined,
            on_failed=self._failed,
        )

    # ------------------------------------------------------------------ step 3
    def _joined(self, result: JoinResult) -> None:
        self.result_info = result
        self.shop = result.shop
        self._joining = None  # finished: the remote is closed
        if not result.complete:
            QMessageBox.information(
                self,
                TITLE,
                f"You are logged in, but bringing the shop's data stopped:\n{result.error}\n\n"
                "Viveka POS finishes it in the background once the online database can be "
                "reached.",
            )
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False, "")
        if self.shop is None:
            self._abandon()
        if not is_user_error(exc) and not isinstance(exc, RemoteError):
            report_unexpected(type(exc), exc, exc.__traceback__)
            return
        self.errors.show(exc)

    def _undo(self, message: str) -> None:
        """No login followed: take the shop's document away again."""
        self._abandon()
        self._set_busy(False, message)

    def _abandon(self) -> None:
        joining, self._joining = self._joining, None
        if joining is not None:
            self.joins.abandon(joining)

    # ------------------------------------------------------------------ helpers
    def _set_busy(self, busy: bool, text: str) -> None:
        """While a step runs, nothing here can change or close the dialog (a step that
        finishes always finds the dialog it reports to)."""
        self._busy = busy
        for widget in (
            self.join_button,
            self.cancel_button,
            self.url_edit,
            self.database_edit,
            self.phone,
            self.api_key,
        ):
            if widget is not None:
                widget.setEnabled(not busy)
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def error_text(self, field: str) -> str:
        """The message shown beside ``field`` ('' when none), for tests and screen readers."""
        return self.errors.message(field)

    def reject(self) -> None:
        if not self._busy:  # Escape too
            super().reject()

    def done(self, result: int) -> None:
        if self.shop is None:
            self._abandon()
        super().done(result)
