"""``doctor --rebuild`` files every document again and the reports come back the same."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from viveka_pos.services.context import ServiceContext
from viveka_pos.services.demo import create_demo_shop
from viveka_pos.services.facade import ShopServices
from viveka_pos.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def test_rebuild_gives_the_same_reports_and_search(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    try:
        ctx = ServiceContext(store, "pc-test")
        shop_id = create_demo_shop(ctx).id
        svc = ShopServices(ctx, shop_id)
        before = (
            svc.reports.day_book("2000-01-01", "2100-12-31"),
            svc.reports.pending_invoices(),
            svc.reports.stock_report(),
            [d.id for d in svc.search.search("a", 20)],
        )
        # damage the derived tables only: the documents stay
        store.engine.connection.execute("DELETE FROM ledger_invoices")
        store.engine.connection.execute("DELETE FROM search_items")
    finally:
        store.close()
    done = subprocess.run(
        [sys.executable, "-m", "viveka_pos", "--data-dir", str(data_dir), "doctor", "--rebuild"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "filed" in done.stdout and "documents again" in done.stdout, done.stdout + done.stderr
    store = open_store(data_dir)
    try:
        svc = ShopServices(ServiceContext(store, "pc-test"), shop_id)
        after = (
            svc.reports.day_book("2000-01-01", "2100-12-31"),
            svc.reports.pending_invoices(),
            svc.reports.stock_report(),
            [d.id for d in svc.search.search("a", 20)],
        )
        assert after == before
    finally:
        store.close()
