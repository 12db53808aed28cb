"""First start on a PC with no shop: set up the shop, load the demo shop in one click, or join
a shop that another PC keeps on the online database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ...domain.entities.shop import Shop
from ...domain.errors import ValidationError
from ...services.context import ServiceContext
from ...services.shop import ShopService
from ..errors import show_error
from ..widgets.fields import FormErrors, headed_layout, phone_edit, state_combo
from ..workers import run_with_progress


def load_demo(ctx: ServiceContext) -> Shop:
    from ...services.demo import create_demo_shop

    return create_demo_shop(ctx)


class FirstRunDialog(QDialog):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.shop: Shop | None = None
        self.setWindowTitle("Welcome to Viveka POS")
        self.setMinimumWidth(560)

        layout = headed_layout(
            self,
            "Set up your shop",
            "These details are printed on your GST invoices; you can change them later in "
            "Settings. The phone number identifies your shop and cannot be changed.",
        )

        general = QLabel()
        self.errors = FormErrors(general)
        form = QFormLayout()
        self.owner = QLineEdit()
        self.business = QLineEdit()
        self.phone = phone_edit()
        self.state = state_combo("Choose your state")
        self.city = QLineEdit()
        self.gstin = QLineEdit()
        self.gstin.setPlaceholderText("Optional — 15 characters")
        self.errors.add_row(form, "Owner name *", "ownerName", self.owner)
        self.errors.add_row(form, "Business name *", "businessName", self.business)
        self.errors.add_row(form, "Shop phone *", "phoneNumber", self.phone)
        self.errors.add_row(form, "State *", ("state", "stateCode"), self.state)
        self.errors.add_row(form, "City", "city", self.city)
        self.errors.add_row(form, "GSTIN", "gstin", self.gstin)
        layout.addLayout(form)
        layout.addWidget(general)

        row = QHBoxLayout()
        self.demo_button = QPushButton("Load demo shop")
        self.demo_button.setToolTip(
            "A ready-made auto-spares shop with items, customers and "
            "a month of bills, to try everything out."
        )
        self.demo_button.clicked.connect(self.load_demo)
        row.addWidget(self.demo_button)
        self.register_button = QPushButton("Register with SMS code…")
        self.register_button.setToolTip(
            "Register the shop with a one-time code sent to the "
            "shop phone (needs the SMS settings or demo mode)."
        )
        self.register_button.clicked.connect(self.register_with_otp)
        row.addWidget(self.register_button)
        self.join_button = QPushButton("Join a shop…")
        self.join_button.setToolTip(
            "Another counter of a shop that already syncs: find it on "
            "its online database, log in with an OTP, bring its data."
        )
        self.join_button.clicked.connect(self.join_shop)
        row.addWidget(self.join_button)
        row.addStretch(1)
        layout.addLayout(row)
        row = QHBoxLayout()  # the wizard's own answer on a line of its own, never squeezed
        row.addStretch(1)
        cancel = QPushButton("Quit")
        cancel.clicked.connect(self.reject)
        create = QPushButton("Create shop")
        create.setObjectName("primary")
        create.setDefault(True)
        create.clicked.connect(self.accept)
        for button in (self.demo_button, self.register_button, self.join_button, cancel):
            button.setAutoDefault(False)
        row.addWidget(cancel)
        row.addWidget(create)
        layout.addLayout(row)
        self.owner.setFocus(Qt.FocusReason.OtherFocusReason)

    def accept(self) -> None:
        state_code = self.state.currentData() or ""
        try:
            if not state_code and not self.gstin.text().strip():
                raise ValidationError(
                    "state",
                    "choose the state of your shop (it decides CGST + SGST or IGST on your bills)",
                )
            state_name = self.state.currentText().rsplit(" (", 1)[0] if state_code else ""
            self.shop = ShopService(self.ctx).register(
                phone=self.phone.text(),
                owner_name=self.owner.text(),
                business_name=self.business.text(),
                city=self.city.text(),
                state=state_name,
                gstin=self.gstin.text(),
                settings={"state_code": state_code} if state_code else None,
            )
        except ValidationError as exc:
            self.errors.show(exc)
            return
        super().accept()

    def register_with_otp(self) -> None:
        """Register through the OTP flow (the spec's registration); on success the new shop
        is this wizard's result."""
        from ...services.auth import AuthService
        from ...services.otp import OtpService
        from .auth import RegisterDialog

        otp = OtpService(self.ctx)
        dialog = RegisterDialog(
            AuthService(self.ctx, otp), otp, phone=self.phone.text(), parent=self
        )
        dialog.exec()
        if dialog.shop is not None:
            self.shop = dialog.shop
            super().accept()

    def join_shop(self) -> None:
        """Join a shop kept on the online database; on success it is this wizard's result."""
        from .join import JoinDialog

        dialog = JoinDialog(self.ctx, parent=self)
        dialog.exec()
        if dialog.shop is not None:
            self.shop = dialog.shop
            super().accept()

    def load_demo(self) -> None:
        self.demo_button.setEnabled(False)
        run_with_progress(
            self,
            "Demo shop",
            "Creating the demo shop (items, customers, a month of bills)…",
            lambda _progress: load_demo(self.ctx),
            on_done=self._demo_loaded,
            on_failed=self._demo_failed,
        )

    def _demo_loaded(self, shop: Shop) -> None:
        self.shop = shop
        super().accept()

    def _demo_failed(self, exc: BaseException) -> None:
        self.demo_button.setEnabled(True)
        show_error(self, exc, "Demo shop")
