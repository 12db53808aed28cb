"""The Qt binding must not drop references to None.

PySide6 6.12.0 gives back a reference to None it never took on every call that returns
nothing (``setText``) or a null object (``activeModalWidget`` with no dialog open). On Python
3.11, where None is an ordinary counted object, the app then aborts with "deallocating None"
after a few thousand such calls: the 1,000-scan scanner run died of it. pyproject.toml keeps
PySide6 below 6.12; this test says so if another version brings the fault back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLineEdit


def test_calls_returning_nothing_keep_none_alive(qapp):
    edit = QLineEdit()
    before = sys.getrefcount(None)
    for _ in range(2000):
        edit.setText("8901002")
        QApplication.activeModalWidget()
        edit.property("not set")
    assert sys.getrefcount(None) >= before - 50  # a few may be released legitimately
