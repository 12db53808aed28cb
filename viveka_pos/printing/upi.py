"""UPI "scan to pay" QR codes for the unpaid balance of a bill."""

from __future__ import annotations

import itertools
from functools import lru_cache
from urllib.parse import quote

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.platypus import Flowable

from viveka_pos.domain.money import Paise, to_decimal

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


def upi_payment_uri(upi_id: str, payee: str, amount: Paise, note: str) -> str:
    """``upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…`` with every value percent-encoded.

    ``@`` stays literal in the UPI id: several payment apps do not decode ``%40`` there.
    The amount is plain rupees with two decimals, no grouping (``1234.50``).
    """
    params = (
        ("pa", quote(upi_id.strip(), safe="@.-_")),
        ("pn", quote(payee.strip(), safe="")),
        ("am", str(to_decimal(amount))),
        ("cu", "INR"),
        ("tn", quote(note.strip(), safe="/-")),
    )
    return "upi://pay?" + "&".join(f"{key}={value}" for key, value in params)


@lru_cache(maxsize=64)
def _qr_path(payload: str) -> tuple[int, str]:
    """The module count of ``payload``'s QR code and its dark modules as PDF path operators.

    Coordinates are in modules, from the bottom-left corner of the quiet zone; each run of
    dark modules in a row is one rectangle. Cached: the receipt and the A4 invoice of the
    same bill encode the same link.
    """
    # ``qr`` is made by the widget's value setter; the ReportLab stubs do not declare it.
    encoder = QrCodeWidget(payload, barLevel="M").qr  # type: ignore[attr-defined]
    encoder.make()
    count = encoder.getModuleCount()
    side = count + 2 * QUIET_ZONE
    rects = []
    for r, row in enumerate(encoder.modules):
        column = 0
        y = side - (r + QUIET_ZONE + 1)
        for dark, run in itertools.groupby(bool(module) for module in row):
            length = len(list(run))
            if dark:
                rects.append(f"{column + QUIET_ZONE} {y} {length} 1 re")
            column += length
    return count, "\n".join(rects)


class QrCode(Flowable):
    """A ``size`` × ``size`` point QR code, quiet zone included.

    The modules come from ReportLab's ``QrCodeWidget`` encoder. They are written as one
    filled path in module units (scaled to ``size``) rather than as the widget's thousands
    of shape objects, which took most of the time of rendering a one-page invoice.
    """

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        self.modules, self._path = _qr_path(payload)
        self.size = size
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        scale = self.size / (self.modules + 2 * QUIET_ZONE)
        self.canv.saveState()
        self.canv.scale(scale, scale)
        self.canv.setFillColor(colors.black)
        self.canv.addLiteral(f"{self._path}\nf")
        self.canv.restoreState()
