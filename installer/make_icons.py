"""Render the application icon (installer/icons/viveka-pos.svg) into the files installers use.

    python installer/make_icons.py OUTPUT_DIR

writes ``viveka-pos-<size>.png`` for the Linux icon theme and ``viveka-pos.ico`` (16 to
256 pixels) for the Windows executable and installer. The SVG is the only source kept in the
repository; Qt renders it (offscreen, no display needed) and Pillow writes the ``.ico``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "icons" / "viveka-pos.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int, target: Path) -> Path:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"could not write {target}")
    return target


def make_icons(output: Path, svg: Path = SOURCE) -> list[Path]:
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    output.mkdir(parents=True, exist_ok=True)
    written = [render_png(svg, size, output / f"viveka-pos-{size}.png") for size in PNG_SIZES]
    # Each size of the .ico is Qt's own rendering at that size, not a scaled-down 256 px one.
    renders = {size: Image.open(output / f"viveka-pos-{size}.png") for size in ICO_SIZES}
    ico = output / "viveka-pos.ico"
    try:
        largest = renders[max(ICO_SIZES)]
        largest.save(
            ico,
            format="ICO",
            sizes=[(size, size) for size in ICO_SIZES],
            append_images=[image for size, image in renders.items() if size != max(ICO_SIZES)],
        )
    finally:
        for image in renders.values():
            image.close()
    written.append(ico)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="folder to write the icon files into")
    args = parser.parse_args(argv)
    for path in make_icons(args.output):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
