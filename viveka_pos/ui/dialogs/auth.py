"""Login and registration dialogs: phone → "Send OTP" → OTP → Log in / Register.

They use only the auth and OTP services handed to them. Sending an SMS, hashing and writing
run on a worker thread (the SMS client gives up after at most 8 s), so the window keeps
repainting and counting down meanwhile. Every failure is shown in words next to the field it
concerns; nothing raises out of a slot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRegularExpression, QTimer
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.shop import Shop
from ...domain.errors import ValidationError
from ...gateways.sms import SmsError, SmsInvalidPhoneError
from ...services.auth import AuthService, Session
from ...services.otp import MOCK_OTP, OtpChallenge, OtpCooldownError, OtpService
from .background import run_in_background

logger = logging.getLogger("viveka_pos.ui.auth")

#: completes a login or registration from (phone, OTP, the dialog's own values)
Completion = Callable[[str, str, dict[str, str]], Any]

_ERROR_STYLE = "color: #b00020;"
_BANNER_STYLE = (
    "background: #fff3cd; color: #664d03; border: 1px solid #ffe69c; padding: 6px;"
    " font-weight: 600;"
)
UNEXPECTED = "Something went wrong; the details are in the log file. Please try again."


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet(_ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def _countdown(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _first_challenge(
    start: Callable[[str], OtpChallenge], otp: OtpService, purpose: str, phone: str
) -> OtpChallenge:
    """On the worker: send, or reuse an OTP sent moments ago (e.g. the dialog was reopened)."""
    try:
        return start(phone)
    except OtpCooldownError:
        pending = otp.pending(phone, purpose)
        if pending is None:
            raise
        return pending


class _OtpDialog(QDialog):
    """Shared flow of both dialogs; subclasses add fields and say what to call."""

    purpose = "generic"
    title = "Viveka POS"
    submit_text = "Continue"

    def __init__(
        self,
        auth: AuthService,
        otp: OtpService,
        *,
        phone: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._otp = otp
        self._start, self._complete = self._calls(auth)
        self._challenge: OtpChallenge | None = None
        self._busy = False
        self._closed = False
        self._errors: dict[str, QLabel] = {}
        self.setWindowTitle(self.title)
        self.setMinimumWidth(440)

        layout = QVBoxLayout(self)
        self.demo_banner = QLabel(f"Demo mode — OTP is {MOCK_OTP}")
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setStyleSheet(_BANNER_STYLE)
        self.demo_banner.setVisible(otp.is_mock())
        layout.addWidget(self.demo_banner)

        form = QFormLayout()
        self.phone_edit = QLineEdit(phone)
        self.phone_edit.setObjectName("phoneEdit")
        self.phone_edit.setPlaceholderText("10-digit mobile number")
        self.phone_edit.setMaxLength(20)
        form.addRow("Mobile number", self._with_error(self.phone_edit, "phoneNumber"))
        self._add_fields(form)
        layout.addLayout(form)

        send_row = QHBoxLayout()
        self.send_button = QPushButton("Send OTP")
        self.send_button.setObjectName("sendButton")
        self.change_button = QPushButton("Change number")
        self.change_button.setObjectName("changeButton")
        send_row.addWidget(self.send_button)
        send_row.addWidget(self.change_button)
        send_row.addStretch(1)
        layout.addLayout(send_row)

        self.otp_box = QWidget()
        otp_layout = QFormLayout(self.otp_box)
        otp_layout.setContentsMargins(0, 0, 0, 0)
        self.otp_edit = QLineEdit()
        self.otp_edit.setObjectName("otpEdit")
        self.otp_edit.setPlaceholderText("OTP from the SMS")
        self.otp_edit.setMaxLength(6)
        self.otp_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,6}"), self.otp_edit)
        )
        otp_layout.addRow("OTP", self._with_error(self.otp_edit, "otp"))
        self.countdown_label = QLabel()
        self.countdown_label.setObjectName("countdownLabel")
        self.resend_button = QPushButton("Resend OTP")
        self.resend_button.setObjectName("resendButton")
        resend_row = QHBoxLayout()
        resend_row.addWidget(self.countdown_label, 1)
        resend_row.addWidget(self.resend_button)
        otp_layout.addRow(resend_row)
        layout.addWidget(self.otp_box)

        self.general_error = _error_label("generalError")
        layout.addWidget(self.general_error)
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        layout.addWidget(self.status_label)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.submit_button = QPushButton(self.submit_text)
        self.submit_button.setObjectName("submitButton")
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)

        # Only the default button reacts to Enter: "Send OTP" first, then the submit button.
        for button in (self.change_button, self.resend_button, self.cancel_button):
            button.setAutoDefault(False)
        self.send_button.clicked.connect(self._send_first)
        self.resend_button.clicked.connect(self._resend)
        self.change_button.clicked.connect(self._change_number)
        self.submit_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.reject)

        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._show_phone_step()

    # ------------------------------------------------------------------ subclass hooks

    @staticmethod
    def _calls(auth: AuthService) -> tuple[Callable[[str], OtpChallenge], Completion]:
        """What sends the OTP for a phone, and what completes with (phone, code, values)."""
        raise NotImplementedError

    def _add_fields(self, form: QFormLayout) -> None:
        """Add the dialog's own inputs (registration details); none by default."""

    def _values(self) -> dict[str, str]:
        """The dialog's own inputs, read on the UI thread before the worker starts."""
        return {}

    def _keep_result(self, result: Any) -> None:
        """Store what ``complete`` returned before the dialog is accepted."""

    # ------------------------------------------------------------------ layout helpers

    def _with_error(self, widget: QWidget, field: str) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        label = _error_label(f"{field}Error")
        column.addWidget(label)
        self._errors[field] = label
        return box

    def error_text(self, field: str) -> str:
        """The error shown by ``field`` ('' when none); ``general`` for the dialog's own."""
        label = self.general_error if field == "general" else self._errors[field]
        return label.text() if not label.isHidden() else ""

    # ------------------------------------------------------------------ steps

    def _show_phone_step(self) -> None:
        self._challenge = None
        self._timer.stop()
        self.otp_box.hide()
        self.change_button.hide()
        self.send_button.show()
        self.phone_edit.setReadOnly(False)
        self.submit_button.setEnabled(False)
        self.send_button.setDefault(True)
        self.phone_edit.setFocus()

    def _show_otp_step(self, challenge: OtpChallenge) -> None:
        self._challenge = challenge
        if challenge.mock:
            self.demo_banner.show()
        self.otp_box.show()
        self.send_button.hide()
        self.change_button.show()
        self.phone_edit.setReadOnly(True)
        self.submit_button.setEnabled(True)
        self.submit_button.setDefault(True)
        self.otp_edit.clear()
        self.otp_edit.setFocus()
        self.status_label.setText(f"OTP sent to {challenge.masked_phone}")
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        challenge = self._challenge
        if challenge is None:
            return
        now = self._otp.now()
        left = challenge.seconds_to_expiry(now)
        if left > 0:
            self.countdown_label.setText(f"OTP expires in {_countdown(left)}")
        else:
            self.countdown_label.setText("OTP expired — request a new one")
        wait = challenge.seconds_to_resend(now)
        self.resend_button.setEnabled(wait == 0 and not self._busy)
        self.resend_button.setText("Resend OTP" if wait == 0 else f"Resend OTP in {wait} s")

    def _change_number(self) -> None:
        self._clear_errors()
        self.status_label.clear()
        self._show_phone_step()

    # ------------------------------------------------------------------ actions

    # The calls handed to the worker capture services and plain values, never ``self``:
    # see ui/dialogs/background.py for why a worker must not hold on to a widget.

    def _send_first(self) -> None:
        start, otp, purpose = self._start, self._otp, self.purpose
        phone = self.phone_edit.text()
        self._run("Sending OTP…", lambda: _first_challenge(start, otp, purpose, phone), self._sent)

    def _resend(self) -> None:
        start, phone = self._start, self.phone_edit.text()
        self._run("Sending a new OTP…", lambda: start(phone), self._sent)

    def _sent(self, challenge: OtpChallenge) -> None:
        self._show_otp_step(challenge)

    def _submit(self) -> None:
        if self._challenge is None:
            self._send_first()
            return
        complete = self._complete
        phone, code, values = self.phone_edit.text(), self.otp_edit.text(), self._values()
        self._run("Checking the OTP…", lambda: complete(phone, code, values), self._completed)

    def _completed(self, result: Any) -> None:
        self._keep_result(result)
        self.accept()

    def _run(
        self, busy_text: str, call: Callable[[], Any], on_success: Callable[[Any], None]
    ) -> None:
        if self._busy:
            return
        self._clear_errors()
        self._set_busy(busy_text)

        def succeeded(result: Any) -> None:
            if self._closed:
                return
            self._set_busy(None)
            on_success(result)

        def failed(error: BaseException) -> None:
            if self._closed:
                return
            self._set_busy(None)
            self._show_error(error)

        run_in_background(call, succeeded, failed)

    def _set_busy(self, text: str | None) -> None:
        self._busy = text is not None
        waiting = self._busy
        self.send_button.setEnabled(not waiting)
        self.change_button.setEnabled(not waiting)
        self.submit_button.setEnabled(not waiting and self._challenge is not None)
        self.status_label.setText(text or "")
        self._tick()

    # ------------------------------------------------------------------ errors

    def _clear_errors(self) -> None:
        for label in (*self._errors.values(), self.general_error):
            label.clear()
            label.hide()

    def _show_error(self, error: BaseException) -> None:
        field, message = "general", UNEXPECTED
        if isinstance(error, ValidationError):
            field, message = error.field, error.message
            if field == "otp" and self._challenge is None:
                field = "phoneNumber"  # e.g. "wait 20 s" before any OTP is on screen
        elif isinstance(error, SmsInvalidPhoneError):
            field, message = "phoneNumber", str(error)
        elif isinstance(error, SmsError):
            message = str(error)
        else:
            logger.error(
                "Unexpected error in the %s dialog",
                self.purpose,
                exc_info=(type(error), error, error.__traceback__),
            )
        label = self._errors.get(field)
        if label is None:
            label = self.general_error
            if field != "general":
                message = f"{field}: {message}"
        label.setText(message)
        label.show()
        if field == "otp":
            self.otp_edit.selectAll()
            self.otp_edit.setFocus()

    def done(self, result: int) -> None:
        self._closed = True
        self._timer.stop()
        super().done(result)


class LoginDialog(_OtpDialog):
    """Log this PC in; on success :attr:`session` holds the new session."""

    purpose = "login"
    title = "Log in — Viveka POS"
    submit_text = "Log in"

    session: Session | None = None

    @staticmethod
    def _calls(auth: AuthService) -> tuple[Callable[[str], OtpChallenge], Completion]:
        return auth.start_login, lambda phone, code, _values: auth.login(phone, code)

    def _keep_result(self, result: Any) -> None:
        self.session = result


class RegisterDialog(_OtpDialog):
    """Register a new shop; on success :attr:`shop` holds it."""

    purpose = "register"
    title = "Register your shop — Viveka POS"
    submit_text = "Register"

    shop: Shop | None = None

    @staticmethod
    def _calls(auth: AuthService) -> tuple[Callable[[str], OtpChallenge], Completion]:
        return auth.start_register, lambda phone, code, values: auth.register(
            phone,
            code,
            values["owner_name"],
            values["business_name"],
            shopName=values["shop_name"],
            gstin=values["gst_no"],
        )

    def _add_fields(self, form: QFormLayout) -> None:
        self.owner_edit = QLineEdit()
        self.owner_edit.setObjectName("ownerEdit")
        self.business_edit = QLineEdit()
        self.business_edit.setObjectName("businessEdit")
        self.shop_name_edit = QLineEdit()
        self.shop_name_edit.setObjectName("shopNameEdit")
        self.shop_name_edit.setPlaceholderText("optional: name printed on bills")
        self.gstin_edit = QLineEdit()
        self.gstin_edit.setObjectName("gstinEdit")
        self.gstin_edit.setPlaceholderText("optional")
        self.gstin_edit.setMaxLength(15)
        form.addRow("Owner's name", self._with_error(self.owner_edit, "ownerName"))
        form.addRow("Business name", self._with_error(self.business_edit, "businessName"))
        form.addRow("Shop name", self._with_error(self.shop_name_edit, "shopName"))
        form.addRow("GSTIN", self._with_error(self.gstin_edit, "gstin"))

    def _values(self) -> dict[str, str]:
        return {
            "owner_name": self.owner_edit.text(),
            "business_name": self.business_edit.text(),
            "shop_name": self.shop_name_edit.text(),
            "gst_no": self.gstin_edit.text(),
        }

    def _keep_result(self, result: Any) -> None:
        self.shop = result
