"""The packaged app: the PyInstaller bundle, the .tar.gz and the .deb built by
``installer/linux/build.sh``, run and installed as a shop PC would.

The build takes about a minute; it is done once for the module. Installing the .deb into the
system (``dpkg -i``) happens only as root, and never over a viveka-pos that was installed
before the test.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import viveka_pos

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"
BUILD_SCRIPT = INSTALLER / "linux" / "build.sh"
PACKAGE = "viveka-pos"
GLIBC_PARTS = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libresolv.so.2",
    "libutil.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
}
UNWANTED_IN_BUNDLE = (
    "QtWebEngine",
    "Qt6Qml",
    "Qt6Quick",
    "Qt63D",
    "Qt6Multimedia",
    "Qt6Charts",
    "tkinter",
    "libtk",
    "libtcl",
    "/translations/",
    "libqgtk3",
    "libqeglfs",
    "libqvnc",
)
UNWANTED_MODULES = (
    "tkinter",
    "test",
    "pytest",
    "_pytest",
    "PyInstaller",
    "hypothesis",
    "pypdf",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtWebEngineCore",
    "PySide6.QtNetwork",
    "setuptools",
)


def load_installer_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"installer_{name}", INSTALLER / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_filter = load_installer_module("bundle_filter")


def run(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd
    )


def headless_env(**extra: str) -> dict[str, str]:
    """No display at all and no QT_QPA_PLATFORM: the self-test must pick offscreen itself."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}
    }
    env.update(extra)
    return env


# -- trimming the bundle (no build needed) ----------------------------------------------------


def test_drop_plugins_removes_libraries_only_the_dropped_plugins_need() -> None:
    binaries = [
        ("PySide6/QtGui.abi3.so", "/w/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/w/libqxcb.so", "BINARY"),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/w/libqgtk3.so", "BINARY"),
        ("libpython3.11.so.1.0", "/py/libpython3.11.so.1.0", "BINARY"),
        ("libgtk-3.so.0", "/sys/libgtk-3.so.0", "BINARY"),
        ("libpango.so.1", "/sys/libpango.so.1", "BINARY"),
        ("libshared.so.1", "/sys/libshared.so.1", "BINARY"),
        ("libdeep.so.2", "/sys/libdeep.so.2", "BINARY"),
        ("libcycle.so.1", "/sys/libcycle.so.1", "BINARY"),
        ("libunused.so.1", "/sys/libunused.so.1", "BINARY"),
        ("pillow.libs/libjpeg-1a2b.so.62", "/w/libjpeg-1a2b.so.62", "BINARY"),
        ("libjpeg-1a2b.so.62", "pillow.libs/libjpeg-1a2b.so.62", "SYMLINK"),
        ("libgtk-link.so", "libgtk-3.so.0", "SYMLINK"),
        ("PySide6/Qt/plugins/generic/libqevdevmouseplugin.so", "/w/evdev.so", "BINARY"),
    ]
    needed = {
        "/w/QtGui.abi3.so": ["libshared.so.1", "libjpeg-1a2b.so.62", "libc.so.6"],
        "/w/libqxcb.so": ["libcycle.so.1"],
        "/w/libqgtk3.so": ["libgtk-3.so.0", "libshared.so.1"],
        "/sys/libgtk-3.so.0": ["libpango.so.1", "libshared.so.1"],
        "/sys/libshared.so.1": ["libdeep.so.2"],
        "/sys/libcycle.so.1": ["libdeep.so.2", "libcycle.so.1"],
        "/sys/libdeep.so.2": ["libcycle.so.1"],
    }

    kept, dropped = bundle_filter.drop_plugins(
        binaries,
        ["PySide6/Qt/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/plugins/generic/*"],
        lambda source: needed.get(source, []),
    )

    assert dropped == sorted(
        [
            "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
            "PySide6/Qt/plugins/generic/libqevdevmouseplugin.so",
            "libgtk-3.so.0",
            "libpango.so.1",
            "libunused.so.1",
            "libgtk-link.so",
        ]
    )
    assert [entry[0] for entry in kept] == [
        "PySide6/QtGui.abi3.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "libpython3.11.so.1.0",
        "libshared.so.1",
        "libdeep.so.2",
        "libcycle.so.1",
        "pillow.libs/libjpeg-1a2b.so.62",
        "libjpeg-1a2b.so.62",
    ]


def test_strip_debug_info_copies_only_the_python_runtime(tmp_path: Path) -> None:
    if shutil.which("strip") is None:
        pytest.skip("no `strip` program (binutils) on this machine")
    dynload = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [
        path
        for path in sorted((dynload / "lib-dynload").glob("*.so"))
        if bundle_filter.has_debug_info(path)
    ]
    if not candidates:
        pytest.skip("this Python's extension modules carry no debug information")
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    original = runtime / candidates[0].name
    shutil.copy2(candidates[0], original)
    outside = tmp_path / "wheel.so"
    shutil.copy2(candidates[0], outside)
    entries = [
        (f"python/lib-dynload/{original.name}", str(original), "EXTENSION"),
        ("wheel.so", str(outside), "EXTENSION"),
        ("resources/fonts/x.ttf", str(outside), "DATA"),
    ]

    result = bundle_filter.strip_debug_info(entries, runtime, tmp_path / "work")

    stripped = Path(result[0][1])
    assert stripped != original and stripped.is_relative_to(tmp_path / "work")
    assert not bundle_filter.has_debug_info(stripped)
    assert stripped.stat().st_size < original.stat().st_size
    assert result[1:] == entries[1:]


# -- the build ---------------------------------------------------------------------------------


class Build:
    def __init__(self, dist: Path, work: Path, seconds: float, log: str):
        self.dist, self.work, self.seconds, self.log = dist, work, seconds, log
        self.bundle = work / "bundle" / PACKAGE
        self.binary = self.bundle / PACKAGE
        version, arch = viveka_pos.__version__, deb_arch()
        self.tarball = dist / f"{PACKAGE}-{version}-linux-{arch}.tar.gz"
        self.deb = dist / f"{PACKAGE}_{version}_{arch}.deb"


def deb_arch() -> str:
    return run(["dpkg", "--print-architecture"]).stdout.strip()


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip(
            "PyInstaller is not installed in this environment; install the `package` "
            "extra (pip install -e '.[package]') to build and test the bundle"
        )
    if not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None:
        pytest.skip("the Linux packages are built on Debian/Ubuntu (dpkg-deb needed)")
    base = tmp_path_factory.mktemp("package")
    started = time.perf_counter()
    result = run(
        [
            "bash",
            str(BUILD_SCRIPT),
            "--dist",
            str(base / "dist"),
            "--work",
            str(base / "work"),
            "--python",
            sys.executable,
            "--fast",
        ],
        timeout=1500,
        env=headless_env(),
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    print(f"\nbuild.sh took {seconds:.0f} s")
    return Build(base / "dist", base / "work", seconds, result.stdout)


@pytest.mark.slow
def test_bundle_passes_its_self_test_without_a_display(build: Build, tmp_path: Path) -> None:
    result = run([str(build.binary), "--self-test"], env=headless_env(), cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "frozen bundle, Qt platform offscreen" in result.stdout
    assert "main window 'Viveka POS'" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("self-test passed")
    assert "self-test passed" in build.log  # build.sh gates packaging on it too


@pytest.mark.slow
def test_bundled_cli_makes_a_shop_and_verifies_it(build: Build, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run([str(build.binary), "--version"]).stdout.strip() == (
        f"viveka-pos {viveka_pos.__version__}"
    )
    demo = run([str(build.binary), "--data-dir", str(data), "demo"], env=headless_env())
    assert demo.returncode == 0, demo.stderr
    verify = run([str(build.binary), "--data-dir", str(data), "verify"], env=headless_env())
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout + verify.stderr


@pytest.mark.slow
def test_bundle_is_lean_and_carries_the_resources(build: Build) -> None:
    internal = build.bundle / "_internal"
    names = [path.relative_to(build.bundle).as_posix() for path in build.bundle.rglob("*")]
    unwanted = [name for name in names if any(part in name for part in UNWANTED_IN_BUNDLE)]
    assert unwanted == []
    for folder in sorted(p for p in (ROOT / "resources").iterdir() if p.is_dir()):
        for source in sorted(p for p in folder.rglob("*") if p.is_file()):
            copy = internal / "resources" / source.relative_to(ROOT / "resources")
            assert copy.read_bytes() == source.read_bytes(), copy
    listing = run(
        [
            sys.executable,
            "-m",
            "PyInstaller.utils.cliutils.archive_viewer",
            "-r",
            "-b",
            str(build.binary),
        ]
    )
    assert listing.returncode == 0, listing.stderr
    modules = {line.strip() for line in listing.stdout.splitlines()}
    assert {"viveka_pos.selftest", "viveka_pos.cli.core", "viveka_pos.ui.main_window"} <= modules
    bundled = sorted(
        m for m in modules for top in UNWANTED_MODULES if m == top or m.startswith(f"{top}.")
    )
    assert bundled == []
    size_mb = (
        sum(p.stat().st_size for p in build.bundle.rglob("*") if p.is_file() and not p.is_symlink())
        / 2**20
    )
    print(
        f"\nbundle {size_mb:.0f} MB, tar.gz {build.tarball.stat().st_size / 2**20:.0f} MB, "
        f".deb {build.deb.stat().st_size / 2**20:.0f} MB (fast compression)"
    )
    assert size_mb < 180


@pytest.mark.slow
def test_tarball_holds_the_bundle_folder(build: Build) -> None:
    with tarfile.open(build.tarball) as tar:
        members = {member.name: member for member in tar.getmembers()}
    assert members[f"{PACKAGE}/{PACKAGE}"].mode & 0o111
    assert f"{PACKAGE}/_internal/resources/fonts/DejaVuSans.ttf" in members
    assert all(name.startswith(f"{PACKAGE}/") or name == PACKAGE for name in members)
    assert {member.uid for member in members.values()} == {0}


def deb_field(deb: Path, name: str) -> str:
    return run(["dpkg-deb", "--field", str(deb), name]).stdout.strip()


def soname_package(soname: str) -> str:
    """Debian's package name for a library: libxcb-icccm.so.4 -> libxcb-icccm4."""
    match = re.fullmatch(r"(.+)\.so\.(\d+)(?:\..*)?", soname)
    assert match, soname
    name, major = match.group(1).lower(), match.group(2)
    return f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}"


def needed_libraries(path: Path) -> set[str]:
    dump = run(["objdump", "-p", str(path)])
    return set(re.findall(r"^\s+NEEDED\s+(\S+)", dump.stdout, flags=re.MULTILINE))


def test_soname_package_follows_debian_naming() -> None:
    assert [
        soname_package(s)
        for s in (
            "libxcb-icccm.so.4",
            "libX11-xcb.so.1",
            "libxkbcommon-x11.so.0",
            "libGL.so.1",
            "libdbus-1.so.3",
            "libxcb.so.1",
            "libwayland-egl.so.1",
            "libEGL.so.1.0.0",
        )
    ] == [
        "libxcb-icccm4",
        "libx11-xcb1",
        "libxkbcommon-x11-0",
        "libgl1",
        "libdbus-1-3",
        "libxcb1",
        "libwayland-egl1",
        "libegl1",
    ]


@pytest.mark.slow
def test_deb_installs_to_opt_with_launcher_menu_entry_and_icon(build: Build) -> None:
    listing = run(["dpkg-deb", "-c", str(build.deb)])
    assert listing.returncode == 0, listing.stderr
    entries = {line.split()[5].removeprefix("."): line for line in listing.stdout.splitlines()}
    assert entries["/opt/viveka-pos/viveka-pos"].startswith("-rwxr-xr-x root/root")
    assert entries["/usr/bin/viveka-pos"].endswith("-> /opt/viveka-pos/viveka-pos")
    assert "/usr/share/applications/viveka-pos.desktop" in entries
    assert "/usr/share/icons/hicolor/scalable/apps/viveka-pos.svg" in entries
    assert "/usr/share/icons/hicolor/256x256/apps/viveka-pos.png" in entries
    assert "/opt/viveka-pos/_internal/resources/fonts/DejaVuSans.ttf" in entries
    assert not [
        name
        for name in entries
        if not name.startswith(("/opt/viveka-pos", "/usr/")) and name not in ("/", "/opt/")
    ]
    assert deb_field(build.deb, "Package") == PACKAGE
    assert deb_field(build.deb, "Version") == viveka_pos.__version__
    desktop = (INSTALLER / "linux" / "viveka-pos.desktop").read_text(encoding="utf-8")
    assert "Exec=/usr/bin/viveka-pos\n" in desktop and "Icon=viveka-pos\n" in desktop
    scripts = run(["dpkg-deb", "--info", str(build.deb)]).stdout
    assert "postrm" in scripts and "postinst" not in scripts


@pytest.mark.slow
def test_deb_depends_on_every_system_library_the_bundle_links(build: Build) -> None:
    """Every library a bundled binary links and the bundle does not carry comes from a package
    in Depends (Recommends for the optional Wayland plugin), glibc aside."""
    depends = deb_field(build.deb, "Depends")
    recommends = deb_field(build.deb, "Recommends")
    required = {part.split()[0] for part in depends.split(", ")}
    optional = {part.split()[0] for part in recommends.split(", ")}
    assert re.search(r"libc6 \(>= 2\.\d+\)", depends)
    assert {
        "libegl1",
        "libgl1",
        "libxkbcommon0",
        "libfontconfig1",
        "libdbus-1-3",
        "libxkbcommon-x11-0",
        "libxcb-cursor0",
    } <= required
    carried = {p.name for p in build.bundle.rglob("*.so*")}
    plugins = build.bundle / "_internal" / "PySide6" / "Qt" / "plugins"
    xcb = plugins / "platforms" / "libqxcb.so"
    assert xcb.is_file()
    missing: dict[str, set[str]] = {}
    for path in [p for p in build.bundle.rglob("*.so*") if p.is_file() and not p.is_symlink()]:
        # Qt's Wayland parts are optional: without their libraries Qt runs through XWayland.
        relative = path.relative_to(build.bundle).as_posix()
        wayland = "wayland" in relative.lower() or path.name.startswith("libQt6Wl")
        provided = required | optional if wayland else required
        for soname in needed_libraries(path) - carried - GLIBC_PARTS:
            if soname_package(soname) not in provided:
                missing.setdefault(soname, set()).add(path.name)
    assert missing == {}
    xcb_needs = {soname_package(s) for s in needed_libraries(xcb) if s.startswith("libxcb")}
    assert xcb_needs <= required


def installed_version() -> str | None:
    status = run(["dpkg-query", "-W", "-f", "${Status} ${Version}", PACKAGE])
    if status.returncode != 0 or "install ok installed" not in status.stdout:
        return None
    return status.stdout.split()[-1]


def missing_dependencies(depends: str) -> list[str]:
    names = [part.split()[0] for part in depends.split(", ")]
    return [
        name
        for name in names
        if "install ok installed" not in run(["dpkg-query", "-W", "-f", "${Status}", name]).stdout
    ]


@pytest.fixture
def system_install(build: Build) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("installing the .deb into the system needs root")
    if installed_version() is not None:
        pytest.skip("a viveka-pos package is already installed here; the test leaves it alone")
    missing = missing_dependencies(deb_field(build.deb, "Depends"))
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        apt = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
        if run(apt, env=env, timeout=600).returncode != 0:
            run(["apt-get", "update", "-qq"], env=env, timeout=600)
            result = run(apt, env=env, timeout=600)
            if result.returncode != 0:
                pytest.skip(
                    f"cannot install the package's dependencies {missing}: "
                    f"{result.stderr.strip()[-300:]}"
                )
    installed = run(["dpkg", "-i", str(build.deb)])
    try:
        assert installed.returncode == 0, installed.stdout + installed.stderr
        yield Path("/opt/viveka-pos")
    finally:
        if installed_version() is not None:
            run(["dpkg", "--purge", PACKAGE])


@pytest.mark.slow
def test_installed_deb_runs_and_removal_keeps_the_shop_data(
    system_install: Path, tmp_path: Path
) -> None:
    assert installed_version() == viveka_pos.__version__
    checked = run(["/usr/bin/viveka-pos", "--self-test"], env=headless_env(), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"in {system_install}/_internal/resources" in checked.stdout

    home = tmp_path / "home"
    home.mkdir()
    user_env = headless_env(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    user_env.pop("VIVEKA_DATA_DIR", None)
    made = run(["/usr/bin/viveka-pos", "demo"], env=user_env)
    assert made.returncode == 0, made.stderr
    data = home / ".local" / "share" / "VivekaPOS"
    before = sorted(p.relative_to(data).as_posix() for p in data.rglob("*"))
    assert before

    removed = run(["dpkg", "--purge", PACKAGE], env=user_env)
    assert removed.returncode == 0, removed.stderr
    assert "was kept" in removed.stdout
    assert installed_version() is None
    assert not Path("/usr/bin/viveka-pos").exists() and not system_install.exists()
    assert sorted(p.relative_to(data).as_posix() for p in data.rglob("*")) == before
