"""The collector leaves the shop's long-lived data alone, from a large shop on."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from viveka_pos.store import heap


@pytest.fixture
def clean_callbacks() -> Iterator[None]:
    saved, thresholds = list(gc.callbacks), gc.get_threshold()
    # an earlier test may have opened a large store in this process: start clean
    while heap._freeze_after_full_pass in gc.callbacks:
        gc.callbacks.remove(heap._freeze_after_full_pass)
    gc.set_threshold(700, 10, 10)
    yield
    gc.callbacks[:] = saved
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_survivors_of_full_passes_are_frozen_only_for_a_large_shop(
        clean_callbacks: None) -> None:
    gc.unfreeze()
    heap.keep_out_of_collections(10)
    assert heap._freeze_after_full_pass not in gc.callbacks
    assert gc.get_freeze_count() > 0 and gc.get_threshold()[2] != heap.FULL_PASS_EVERY

    heap.keep_out_of_collections(heap.LARGE)
    heap.keep_out_of_collections(heap.LARGE)
    assert gc.callbacks.count(heap._freeze_after_full_pass) == 1
    assert gc.get_threshold()[2] == heap.FULL_PASS_EVERY
    kept = [[n] for n in range(1000)]  # tracked (lists always are), alive, not frozen yet
    frozen_before = gc.get_freeze_count()
    gc.collect(1)  # a young pass freezes nothing
    assert gc.get_freeze_count() == frozen_before
    gc.collect()  # a full pass: its survivors, ``kept`` among them, are frozen
    assert gc.get_freeze_count() >= frozen_before + len(kept)


def test_frozen_documents_are_still_freed_when_dropped(clean_callbacks: None) -> None:
    import weakref

    class Doc(dict):  # type: ignore[type-arg]
        pass

    doc = Doc(name="Carburetor")
    probe = weakref.ref(doc)
    heap.keep_out_of_collections(heap.LARGE)
    del doc  # reference counting frees it; no collector pass needed
    assert probe() is None


def test_building_pauses_the_collector_and_freezes_what_it_made(clean_callbacks: None) -> None:
    gc.unfreeze()
    assert gc.isenabled()
    with heap.building() as built:
        assert not gc.isenabled()
        made = [[n] for n in range(1000)]
        built.count = len(made)
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)
    with pytest.raises(ValueError), heap.building():
        raise ValueError("a failed build")
    assert gc.isenabled()  # resumed even so
