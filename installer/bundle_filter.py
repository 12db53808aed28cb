"""Trimming of PyInstaller's list of binaries, used by ``installer/viveka-pos.spec`` on Linux.

PyInstaller collects every plugin of the Qt plugin types the app needs, and with each one
the system libraries it links. Some plugins never serve a shop PC: the GTK3 platform theme
(it would load the system's GTK libraries next to the older GLib copied into the bundle,
which may not fit together; the app draws its own Fusion style anyway) and the
embedded-device platforms (eglfs, linuxfb, vnc). :func:`drop_plugins` removes them
together with every library that only they needed, found by walking the libraries'
``NEEDED`` entries from what stays.

:func:`strip_debug_info` copies the Python runtime's own libraries (``libpython``,
``lib-dynload``) without their debug sections: an interpreter built from source (pyenv)
keeps them: 35 MB in the bundle instead of 12 MB.

A table of contents (TOC) entry is ``(name in the bundle, source path, type)``; symlink
entries have the link's target (a name in the bundle) as their source.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

Entry = tuple[str, str, str]

UNWANTED_LINUX_PLUGINS: tuple[str, ...] = (
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/egldeviceintegrations/*",
    "PySide6/Qt/plugins/generic/*",  # evdev/tuio input, used by eglfs and linuxfb only
)
"""Patterns (fnmatch) of bundle names; the offscreen, minimal, xcb and wayland platforms stay."""

LIBRARY_TYPES = frozenset({"BINARY"})
ROOT_TYPES = frozenset({"EXTENSION", "EXECUTABLE"})
STRIPPED_TYPES = frozenset({"BINARY", "EXTENSION"})


def _basename(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def is_plugin(name: str) -> bool:
    return "/plugins/" in name.replace("\\", "/")


def is_root(entry: Entry) -> bool:
    """Kept for its own sake: Python extensions, Qt plugins, the interpreter library."""
    name, _source, kind = entry
    return kind in ROOT_TYPES or is_plugin(name) or _basename(name).startswith("libpython")


def drop_plugins(
    binaries: Iterable[Entry], unwanted: Iterable[str], needed_of: Callable[[str], Iterable[str]]
) -> tuple[list[Entry], list[str]]:
    """``binaries`` without the plugins matching ``unwanted`` and the libraries only they need.

    ``needed_of(source path)`` gives the library names a binary links (its ``NEEDED``
    entries). Returns the kept entries, in their order, and the bundle names dropped
    (symlinks to a dropped file go too).
    """
    entries = list(binaries)
    patterns = tuple(unwanted)
    dropped = {
        name
        for name, _source, _kind in entries
        if any(fnmatch(name, pattern) for pattern in patterns)
    }
    libraries: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry[2] in LIBRARY_TYPES and not is_root(entry) and entry[0] not in dropped:
            libraries.setdefault(_basename(entry[0]), []).append(entry)
    pending = [
        entry
        for entry in entries
        if entry[0] not in dropped and entry[2] != "SYMLINK" and is_root(entry)
    ]
    reached: set[str] = set()
    while pending:
        _name, source, _kind = pending.pop()
        for needed in needed_of(source):
            for library in libraries.get(_basename(needed), ()):
                if library[0] not in reached:
                    reached.add(library[0])
                    pending.append(library)
    dropped |= {
        entry[0]
        for same_name in libraries.values()
        for entry in same_name
        if entry[0] not in reached
    }
    dropped |= {name for name, source, kind in entries if kind == "SYMLINK" and source in dropped}
    return [entry for entry in entries if entry[0] not in dropped], sorted(dropped)


def elf_needed(path: str) -> list[str]:
    """The ``NEEDED`` names of an ELF file (via PyInstaller's own reader of ``ldd``)."""
    from PyInstaller.depend.bindepend import get_imports

    return [name for name, _resolved in get_imports(path)]


def has_debug_info(path: Path) -> bool:
    try:
        return b".debug_info" in path.read_bytes()
    except OSError:
        return False


def strip_debug_info(
    binaries: Iterable[Entry], runtime_prefix: str | Path, workdir: str | Path
) -> list[Entry]:
    """Entries from ``runtime_prefix`` (the Python installation) pointed at stripped copies.

    Binaries of third-party wheels are left alone: they are shipped as their makers built
    them. Without a ``strip`` program the list comes back unchanged.
    """
    strip = shutil.which("strip")
    prefix = Path(runtime_prefix).resolve()
    target_dir = Path(workdir) / "stripped"
    result: list[Entry] = []
    for name, source, kind in binaries:
        path = Path(source)
        from_runtime = path.resolve().is_relative_to(prefix)
        if strip and kind in STRIPPED_TYPES and from_runtime and has_debug_info(path):
            copy = target_dir / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([strip, "--strip-debug", "-o", str(copy), str(path)], check=True)
            source = str(copy)
        result.append((name, source, kind))
    return result
