"""What the bench scripts measure the same way (imported by scripts run from bench/)."""

from __future__ import annotations


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux; NaN elsewhere)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
