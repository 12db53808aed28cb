"""Download the Windows wheels of everything pyproject.toml names, with their dependencies.

    python wheels.py PYPROJECT WHEEL_DIR [EXTRA ...]

The requirements asked for (dependencies and the named optional groups) are also written to
WHEEL_DIR/requirements.txt, for ``pip install --no-index -r`` on Windows.

``pip download --platform win_amd64`` fetches wheels for another platform, but it judges
environment markers (``sys_platform == "win32"``) by the machine it runs on, so Windows-only
dependencies such as colorama or pefile would be missing. This walks the requirements itself:
it downloads each one without dependencies, reads the wheel's ``Requires-Dist`` and judges its
markers for 64-bit Windows CPython 3.12, until nothing new is needed. A project published only
as an sdist (mongita) is built into a wheel here; that only works for pure-Python ones, which
the Windows ``pip install --no-index`` then checks like any other.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name, parse_wheel_filename
    from packaging.version import Version
except ImportError:  # pip always carries a copy
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import (  # type: ignore[no-redef]
        canonicalize_name,
        parse_wheel_filename,
    )
    from pip._vendor.packaging.version import Version  # type: ignore[no-redef]

PYTHON_VERSION = "3.12"
PIP_TARGET = [
    "--platform",
    "win_amd64",
    "--python-version",
    PYTHON_VERSION,
    "--implementation",
    "cp",
    "--abi",
    f"cp{PYTHON_VERSION.replace('.', '')}",
]
WINDOWS = {
    "os_name": "nt",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "platform_machine": "AMD64",
    "platform_release": "10",
    "platform_version": "10.0.19045",
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.9",
    "implementation_name": "cpython",
    "implementation_version": f"{PYTHON_VERSION}.9",
    "platform_python_implementation": "CPython",
}


def project_requirements(pyproject: Path, extras: list[str]) -> list[str]:
    """The project's dependencies plus those of the named optional groups."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"pyproject.toml has no optional group {extra!r}")
        wanted += optional[extra]
    return wanted


def applies(requirement: Requirement, extras: set[str]) -> bool:
    """Whether a requirement's marker holds on the Windows target, for any requested extra."""
    if requirement.marker is None:
        return True
    return any(
        requirement.marker.evaluate({**WINDOWS, "extra": extra}) for extra in (extras or {""})
    )


def wheel_requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(text) for text in metadata.get_all("Requires-Dist") or []]


def wheels_by_name(folder: Path) -> dict[str, list[tuple[Version, Path]]]:
    """Every wheel in ``folder`` by project name, newest first (a cache kept between runs
    may hold several versions of one project)."""
    found: dict[str, list[tuple[Version, Path]]] = {}
    for wheel in folder.glob("*.whl"):
        name, version, *_ = parse_wheel_filename(wheel.name)
        found.setdefault(canonicalize_name(name), []).append((version, wheel))
    for versions in found.values():
        versions.sort(reverse=True)
    return found


def chosen(have: dict[str, list[tuple[Version, Path]]], requirement: Requirement) -> Path:
    """The newest wheel in the folder that the requirement accepts (what pip installs)."""
    for version, wheel in have[canonicalize_name(requirement.name)]:
        if requirement.specifier.contains(version, prereleases=True):
            return wheel
    raise SystemExit(f"wheels.py: no wheel of {requirement} in the folder")


def pip(*args: str) -> bool:
    return subprocess.run([sys.executable, "-m", "pip", "--quiet", *args]).returncode == 0


def fetch(requirements: list[str], folder: Path) -> None:
    """Windows wheels of the requirements, without dependencies; sdist-only ones built here."""
    common = ["--no-deps", "--dest", str(folder), "--find-links", str(folder)]
    if pip("download", "--only-binary=:all:", *PIP_TARGET, *common, *requirements):
        return
    for text in requirements:  # one of them has no Windows wheel: find which
        if not pip("download", "--only-binary=:all:", *PIP_TARGET, *common, text):
            print(f"wheels.py: no Windows wheel of {text}: building one", flush=True)
            if not pip("wheel", "--no-deps", "--wheel-dir", str(folder), text):
                raise SystemExit(f"wheels.py: cannot get a Windows wheel of {text}")


def main() -> None:
    pyproject, folder, *extras = sys.argv[1:]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, set[str]] = {}  # package -> extras asked of it
    asked = project_requirements(Path(pyproject), extras)
    (out / "requirements.txt").write_text("\n".join(asked) + "\n", encoding="utf-8")
    pending = [Requirement(text) for text in asked]
    while pending:
        fetch([str(r).split(";")[0] for r in pending], out)
        have = wheels_by_name(out)
        following: list[Requirement] = []
        for requirement in pending:
            name = canonicalize_name(requirement.name)
            wanted.setdefault(name, set()).update(requirement.extras)
            for dependency in wheel_requirements(chosen(have, requirement)):
                dep_name = canonicalize_name(dependency.name)
                if not applies(dependency, wanted[name]):
                    continue
                if dep_name in wanted and dependency.extras <= wanted[dep_name]:
                    continue
                wanted.setdefault(dep_name, set())
                if all(canonicalize_name(r.name) != dep_name for r in following):
                    following.append(dependency)
        pending = following
    print(f"wheels.py: {len(wanted)} Windows wheels in {out}")


if __name__ == "__main__":
    main()
