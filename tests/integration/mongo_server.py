"""A real MongoDB-wire-protocol server for sync tests: NX-27017 (SQLite-backed) in a child
process on 127.0.0.1, on a free port, with its data in a file so it can be killed (SIGKILL)
and restarted on the same port for fault injection.

Quirks of NX-27017 0.8 that sync works around (and that these tests therefore cover):
- equality on an ObjectId field other than ``_id`` (``{"clientId": oid}``) matches nothing,
  and ``count_documents``/``delete_many`` with such a filter count/delete nothing; ``$in``
  works, so sync filters by ``{"clientId": {"$in": [oid]}}``;
- a replacement upsert without ``_id`` in the replacement gets a new ``_id`` instead of the
  filter's (sync always puts ``_id`` in the replacement);
- with ``--db FILE`` every logical database shares one set of collections, so the server runs
  with ``--data-dir`` (one SQLite file per database);
- ``$not`` is not implemented; index names, key directions (all reported ascending) and
  ``partialFilterExpression`` are accepted but not kept (an empty barcode ``""`` would be
  unique-constrained, so the gateway drops that index on such a server, with a warning);
- after a SIGKILL a read is retried by the driver and waits for server selection, so tests
  use short timeouts to keep kill rounds quick.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pymongo import MongoClient

STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MongoServer:
    """One NX-27017 process; ``kill()`` and ``start()`` again keep the data and the port."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.data_dir = workdir / "databases"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> None:
        if self.running:
            return
        log = open(self.workdir / "server.log", "ab")  # noqa: SIM115 - kept by the child
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "nx_27017.nx_27017",
                    "--data-dir",
                    str(self.data_dir),
                    "--host",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "--pid-file",
                    str(self.workdir / "server.pid"),
                    "--log-file",
                    str(self.workdir / "server-internal.log"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
            )
        finally:
            log.close()
        self.starts += 1
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                text = (self.workdir / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the test MongoDB server exited: {text}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            client: MongoClient[dict[str, object]] = MongoClient(
                self.url, serverSelectionTimeoutMS=2000
            )
            try:
                client.admin.command("ping")
                return
            except Exception:
                time.sleep(0.05)
            finally:
                client.close()
        raise RuntimeError("the test MongoDB server did not start in time")

    def cpu_seconds(self) -> float:
        """The CPU time (user and system) the running server has used so far (Linux; NaN
        elsewhere): what a measurement cost the server, beside what it cost this PC."""
        if self.process is None:
            return float("nan")
        try:
            with open(f"/proc/{self.process.pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """Kill outright: no clean shutdown, like a crash or a pulled cable at the server."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def client(self) -> MongoClient[dict[str, object]]:
        return MongoClient(self.url, serverSelectionTimeoutMS=3000)


@contextmanager
def running_server(workdir: Path) -> Iterator[MongoServer]:
    server = MongoServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
