"""New ids are unique ObjectIds in creation order, also across a fork."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest
from bson import ObjectId

from viveka_pos.store import new_id


def test_ids_are_unique_objectids_that_carry_their_time() -> None:
    before = int(time.time())
    ids = [new_id() for _ in range(50_000)]
    after = int(time.time())
    assert all(type(i) is ObjectId for i in ids)
    assert len(set(ids)) == len(ids)
    assert before <= ids[0].generation_time.timestamp() <= after
    assert len({i.binary[4:9] for i in ids}) == 1  # one process part


def test_threads_never_share_an_id() -> None:
    made: list[list[ObjectId]] = [[] for _ in range(4)]

    def make(bucket: list[ObjectId]) -> None:
        bucket.extend(new_id() for _ in range(20_000))

    threads = [threading.Thread(target=make, args=(bucket,)) for bucket in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for bucket in made for i in bucket]
    assert len(set(every)) == len(every)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                    reason="needs os.fork")
def test_a_forked_child_makes_other_ids() -> None:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report one id and leave at once
        os.write(write_end, new_id().binary)
        os._exit(0)
    os.close(write_end)
    child_id = ObjectId(os.read(read_end, 12))
    os.close(read_end)
    os.waitpid(pid, 0)
    assert child_id.binary[4:9] != new_id().binary[4:9]
