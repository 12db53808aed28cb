"""Sales by day as bars, drawn with QPainter (QtCharts is not part of PySide6-Essentials).

Hovering a bar shows the day and the amount; today's bar is drawn in the accent colour.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from ...services.formatting import money

BAR = QColor("#9bb5e3")
TODAY = QColor("#1d5fd1")
GRID = QColor("#e3e8ef")
TEXT = QColor("#5f6b7a")


def compact_rupees(paise: int) -> str:
    """Axis labels the Indian way: ₹950, ₹12.5k, ₹3.2L, ₹1.1Cr."""
    rupees = paise / 100
    for size, suffix in ((10_000_000, "Cr"), (100_000, "L"), (1_000, "k")):
        if rupees >= size:
            value = rupees / size
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"₹{text}{suffix}"
    return f"₹{rupees:.0f}"


def nice_step(top: int, lines: int = 4) -> int:
    """A round gridline step (1, 2 or 5 × 10ⁿ paise) so about ``lines`` lines cover ``top``."""
    if top <= 0:
        return 100_00
    raw = top / lines
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)


class SalesChart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.points: list[tuple[str, int]] = []
        self.setMouseTracking(True)
        self.setMinimumHeight(220)
        self._bars: list[QRectF] = []

    def sizeHint(self) -> QSize:
        return QSize(640, 260)

    def set_points(self, points: list[tuple[str, int]]) -> None:
        """(day, net sales in paise). A day whose returns exceeded its sales is drawn at
        zero: the bars show what was sold, the figures beside the chart stay net."""
        self.points = [(day, max(value, 0)) for day, value in points]
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        small = QFont(self.font())
        small.setPointSizeF(max(7.5, self.font().pointSizeF() - 1.5))
        painter.setFont(small)
        metrics = painter.fontMetrics()
        top_value = max((v for _, v in self.points), default=0)
        step = nice_step(top_value)
        ceiling = max(step, ((top_value + step - 1) // step) * step)
        left = metrics.horizontalAdvance(compact_rupees(ceiling)) + 14
        plot = QRectF(left, 12, self.width() - left - 12, self.height() - 12 - 28)
        painter.setPen(QPen(GRID, 1))
        for value in range(0, ceiling + 1, step):
            y = plot.bottom() - plot.height() * value / ceiling
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(0, y - 8, left - 6, 16),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                compact_rupees(value),
            )
        self._bars = []
        count = len(self.points)
        if not count:
            painter.end()
            return
        slot = plot.width() / count
        width = max(2.0, slot * 0.7)
        for n, (day_text, value) in enumerate(self.points):
            height = plot.height() * value / ceiling
            bar = QRectF(
                plot.left() + n * slot + (slot - width) / 2, plot.bottom() - height, width, height
            )
            self._bars.append(QRectF(plot.left() + n * slot, plot.top(), slot, plot.height()))
            painter.fillRect(bar, TODAY if n == count - 1 else BAR)
            if n % 5 == (count - 1) % 5:
                painter.setPen(TEXT)
                painter.drawText(
                    QRectF(plot.left() + n * slot - 30, plot.bottom() + 4, slot + 60, 20),
                    int(Qt.AlignmentFlag.AlignHCenter),
                    _short_day(day_text),
                )
        painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        for (day_text, value), area in zip(self.points, self._bars, strict=False):
            if area.contains(position):
                QToolTip.showText(
                    event.globalPosition().toPoint(),
                    f"{_short_day(day_text)}: {money(value)}",
                    self,
                )
                return
        QToolTip.hideText()


def _short_day(iso: str) -> str:
    try:
        value = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{value.day} {value.strftime('%b')}"
