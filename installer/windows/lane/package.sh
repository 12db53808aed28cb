#!/usr/bin/env bash
# Windows lane, part 3: the installer a shop receives, built and tried under Wine.
#
# The PyInstaller bundle (installer/viveka-pos.spec) is built by the Windows CPython and
# self-tested; Inno Setup (installer/windows/viveka-pos.iss) packs it into
# dist/viveka-pos-VERSION-windows-x64-setup.exe, VERSION from pyproject.toml. That setup is
# installed silently, the installed copy self-tested and given a shop in the user's data
# folder, and uninstalled: the program and its shortcuts must go, the shop's data must stay.
#
#   package.sh            all of it
#   package.sh STEP...    only these steps (bundle self_test setup install installed uninstall)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PROJ"

VERSION=$(project_version)
BUILD=$PROJ/build/windows
BUNDLE=$BUILD/dist/viveka-pos
SETUP=$PROJ/dist/viveka-pos-$VERSION-windows-x64-setup.exe
ISCC=$CACHE/npm/node_modules/innosetup/bin/ISCC.exe
TARGET='C:\VivekaPOS-lane'                         # where the lane installs it
TARGET_UNIX=$WINEPREFIX/drive_c/VivekaPOS-lane
DRIVE_C=$WINEPREFIX/drive_c
export QT_QPA_PLATFORM=offscreen                  # for the self-tests (no display)

fail() { echo "windows lane: $*" >&2; exit 1; }   # steps run in a subshell (see step)

bundle() {
    mkdir -p "$BUILD"
    w "$PY/python.exe" -m PyInstaller --noconfirm --log-level WARN \
        --distpath "$(winpath "$BUILD/dist")" --workpath "$(winpath "$BUILD/pyinstaller")" \
        installer/viveka-pos.spec > "$BUILD/pyinstaller.log" \
        || { tail -40 "$BUILD/pyinstaller.log"; return 1; }
    # The test interpreter blocks _wmi (a Wine gap); the bundle a shop gets must still have it.
    [ -f "$BUNDLE/_internal/_wmi.pyd" ] || fail "_wmi.pyd is missing from the bundle"
    [ ! -e "$BUNDLE/_internal/sitecustomize.py" ] || fail "the lane's sitecustomize.py was bundled"
    [ -f "$BUNDLE/VivekaPOS.exe" ] || fail "VivekaPOS.exe (the windowed program) is missing"
    du -sh "$BUNDLE"
}

bundle_self_test() {
    local shown
    shown=$(w "$BUNDLE/viveka-pos.exe" --version | tr -d '\r')
    [ "$shown" = "viveka-pos $VERSION" ] || fail "the bundle says '$shown', pyproject.toml $VERSION"
    w "$BUNDLE/viveka-pos.exe" --self-test
}

setup_exe() {
    rm -f "$SETUP"
    w "$ISCC" /Q "/DAppVersion=$VERSION" "/DBundleDir=$(winpath "$BUNDLE")" \
        "/DIconFile=$(winpath "$BUILD/pyinstaller/viveka-pos/icons/viveka-pos.ico")" \
        "/DOutputDir=$(winpath "$PROJ/dist")" "$(winpath installer/windows/viveka-pos.iss)"
    [ -f "$SETUP" ] || fail "ISCC made no $SETUP"
    ls -l "$SETUP"
}

# Inno's setup.exe and unins000.exe make windows even when silent, so every Wine program of
# this script gets a display: Wine's desktop process takes the display of the program that
# starts it, so none may start without one. A wineserver left by test.sh (no display) is
# waited for first.
start_display() {
    wineserver -w
    local number_file
    number_file=$(mktemp)
    Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$number_file" >/dev/null 2>&1 &
    XVFB_PID=$!
    trap 'kill $XVFB_PID 2>/dev/null || true' EXIT
    for _ in $(seq 50); do [ -s "$number_file" ] && break; sleep 0.1; done
    export DISPLAY=":$(cat "$number_file")"
    rm -f "$number_file"
}

# The shortcuts of an all-users install: Start menu (the app, the installation check, the
# uninstaller) and the desktop icon.
SHORTCUTS=(
    "$DRIVE_C/ProgramData/Microsoft/Windows/Start Menu/Programs/Viveka POS/Viveka POS.lnk"
    "$DRIVE_C/ProgramData/Microsoft/Windows/Start Menu/Programs/Viveka POS/Check Viveka POS installation.lnk"
    "$DRIVE_C/ProgramData/Microsoft/Windows/Start Menu/Programs/Viveka POS/Uninstall Viveka POS.lnk"
    "$DRIVE_C/users/Public/Desktop/Viveka POS.lnk"
)
shortcut_count() {
    local count=0 link
    for link in "${SHORTCUTS[@]}"; do [ ! -f "$link" ] || count=$((count + 1)); done
    echo $count
}

install_silently() {
    w "$SETUP" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /TASKS=desktopicon "/DIR=$TARGET" \
        "/LOG=$(winpath "$BUILD/setup.log")"
    [ -f "$TARGET_UNIX/viveka-pos.exe" ] && [ -f "$TARGET_UNIX/VivekaPOS.exe" ] \
        || fail "the programs are not in $TARGET"
    [ -f "$TARGET_UNIX/unins000.exe" ] || fail "no uninstaller in $TARGET"
    [ "$(shortcut_count)" = ${#SHORTCUTS[@]} ] || fail "shortcuts are missing"
}

installed_self_test() {
    w "$TARGET\\viveka-pos.exe" --self-test
}

# The shop's data folder, as the installed app makes it (%LOCALAPPDATA%\Viveka\VivekaPOS).
data_folder() {
    local local_app_data
    local_app_data=$(w "$PY/python.exe" -c 'import os; print(os.environ["LOCALAPPDATA"])' | tr -d '\r')
    echo "$(winepath -u "$local_app_data" 2>/dev/null)/Viveka/VivekaPOS"
}

uninstall_keeps_data() {
    local data
    data=$(data_folder)
    rm -rf "$data"
    w "$TARGET\\viveka-pos.exe" demo --empty           # a shop in the default data folder
    [ -f "$data/viveka.sqlite3" ] || fail "the installed app made no store in $data"
    w "$TARGET\\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
    for _ in $(seq 30); do    # the uninstaller finishes in a copy of itself: wait for it
        [ -e "$TARGET_UNIX/viveka-pos.exe" ] || break
        sleep 1
    done
    [ ! -e "$TARGET_UNIX/viveka-pos.exe" ] || fail "the uninstaller left the program in $TARGET"
    [ "$(shortcut_count)" = 0 ] || fail "the uninstaller left shortcuts behind"
    [ -f "$data/viveka.sqlite3" ] || fail "the uninstaller deleted the shop's data in $data"
    rm -rf "$data" "$TARGET_UNIX"    # leave the cached prefix as it was
}

[ -f "$ISCC" ] && [ -f "$PY/python.exe" ] || { echo "run prepare.sh first" >&2; exit 2; }
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(bundle self_test setup install installed uninstall)
start_display
for name in "${steps[@]}"; do
    case $name in
        bundle) step "bundle (PyInstaller)" bundle ;;
        self_test) step "bundle self-test" bundle_self_test ;;
        setup) step "setup.exe (Inno Setup)" setup_exe ;;
        install) step "silent install" install_silently ;;
        installed) step "installed self-test" installed_self_test ;;
        uninstall) step "uninstall keeps the data" uninstall_keeps_data ;;
        *) echo "unknown step $name" >&2; exit 2 ;;
    esac
done
echo "windows lane: $SETUP"
