"""Run a slow call (SMS, bcrypt, disk) off the UI thread and get its outcome back on it.

A thin form of :func:`viveka_pos.ui.workers.start_job` for calls without progress; the
thread rules are explained there. ``fn`` should take services and plain values, not
widgets; the callbacks may use widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..workers import start_job


def run_in_background(
    fn: Callable[[], Any],
    on_success: Callable[[Any], None],
    on_failure: Callable[[BaseException], None],
) -> None:
    """Call ``fn`` on the global thread pool; one callback runs later on the UI thread.

    Call this from the UI thread.
    """
    start_job(lambda _progress: fn(), on_done=on_success, on_failed=on_failure)
