"""Fonts, the stylesheet and icons: the look of the whole app, applied once at start.

The bundled DejaVu Sans is registered with Qt and made the application font, so the rupee
sign renders the same on every PC (many Windows fonts lack ``₹``).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from ..resources import FONT_FILES, font_file, resources_dir

FALLBACK_FAMILY = "DejaVu Sans"
BASE_POINT_SIZE = 10
STYLESHEET = "viveka.qss"


def load_fonts() -> str:
    """Register the bundled fonts with Qt; returns the family to use."""
    family = ""
    for face in FONT_FILES:
        path = font_file(face)
        if not path.exists():
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families and not family:
            family = families[0]
    return family or FALLBACK_FAMILY


def stylesheet() -> str:
    """The app's stylesheet; ``@ICONS@`` in it becomes the icons folder (Qt resolves a
    relative ``url()`` against the working directory, which is anywhere)."""
    path = resources_dir() / "styles" / STYLESHEET
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    return text.replace("@ICONS@", (resources_dir() / "icons").as_posix())


def apply_theme(app: QApplication) -> None:
    """Fonts, font size and stylesheet for the whole application."""
    family = load_fonts()
    font = QFont(family, BASE_POINT_SIZE)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    app.setFont(font)
    app.setStyle("Fusion")  # the same widgets on Windows and Linux; the sheet styles the rest
    app.setStyleSheet(stylesheet())


@cache
def icon(name: str) -> QIcon:
    """An icon from ``resources/icons/<name>.svg`` (an empty icon when it is missing)."""
    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def polish(widget: object) -> None:
    """Re-apply the stylesheet after a dynamic property used by it changed."""
    style = getattr(widget, "style", None)
    if style is None:
        return
    current = style()
    current.unpolish(widget)
    current.polish(widget)
