#!/usr/bin/env bash
# Screenshots of the Windows installer, the first start and the uninstaller for
# docs/install.md, taken under Wine's virtual desktop on a virtual X screen. By hand, after
# `make package-windows` (it needs the lane's Wine prefix and dist/...-setup.exe):
#
#   docs/screenshots/windows_installer.sh
#
# Each wizard page is advanced with the key a user would press; each shot is cropped to the
# window on the empty desktop.
set -euo pipefail
source "$(dirname "$0")/../../installer/windows/lane/env.sh"
cd "$PROJ"
SETUP=dist/viveka-pos-$(project_version)-windows-x64-setup.exe
OUT=docs/screenshots
SCREEN=:77
[ -f "$SETUP" ] || { echo "no $SETUP: run make package-windows first" >&2; exit 2; }

Xvfb "$SCREEN" -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill $xvfb_pid 2>/dev/null; wineserver -k 2>/dev/null || true' EXIT
export DISPLAY=$SCREEN
sleep 2

# Wait until the screen stops changing, then save the part of it that is not the desktop.
shot() {
    "$PROJ/.venv/bin/python" - "$OUT/$1.png" "$SCREEN" <<'PYEOF'
import sys, time
from PIL import Image, ImageChops, ImageGrab

path, display = sys.argv[1], sys.argv[2]


def window_box(image):
    """Where the screen differs from the desktop's colour, left of the desktop icons."""
    background = image.getpixel((image.width - 1, image.height - 1))
    mask = ImageChops.difference(image, Image.new("RGB", image.size, background)).convert("L")
    mask.paste(0, (0, 0, 100, image.height))
    return mask.point(lambda value: 255 if value > 8 else 0).getbbox()


previous, image, box = None, None, None
for _ in range(90):  # until a window is shown and the screen holds still
    time.sleep(1)
    image = ImageGrab.grab(xdisplay=display)
    box = window_box(image)
    still = previous is not None and ImageChops.difference(image, previous).getbbox() is None
    if box is not None and still:
        break
    previous = image
image.crop(box or (0, 0, image.width, image.height)).save(path, optimize=True)
print("saved", path, box)
PYEOF
}
press() { sleep 1; xdotool key --delay 200 "$@"; }

# From a PC that never had it: no earlier installation (setup would skip pages), no shop.
INSTALLED="$WINEPREFIX/drive_c/Program Files/Viveka POS"
if [ -f "$INSTALLED/unins000.exe" ]; then
    wine 'C:\Program Files\Viveka POS\unins000.exe' /VERYSILENT /SUPPRESSMSGBOXES 2>&1 | cat
    sleep 5
fi
rm -rf "$WINEPREFIX/drive_c/users/$(id -un)/AppData/Local/Viveka"

# Qt's Windows platform plugin needs mscms!WcsCreateIccProfile, which Wine 8.0 lacks: the
# lane's stand-in (installer/windows/lane/shims/mscms.c) is put beside the installed program
# for this run only, and preferred to Wine's own by WINEDLLOVERRIDES.
MSCMS=$CACHE/shims/mscms.dll
x86_64-w64-mingw32-gcc -O2 -shared -o "$MSCMS" "$LANE/shims/mscms.c"
export WINEDLLOVERRIDES="mscms=n,b;$WINEDLLOVERRIDES"

# Wine programs' output goes to a pipe (a Windows program whose output is a Unix file dies).
wine explorer /desktop=VivekaPOS,1024x768 "$(winpath "$SETUP")" 2>&1 | cat >/dev/null &
shot windows-setup-mode           # for all users (administrator) or for me only
press Return
shot windows-setup-welcome        # says the shop's data is kept apart from the program
press Return
shot windows-setup-folder
press Return
shot windows-setup-tasks          # "Create a desktop shortcut" is ticked
press Return
shot windows-setup-ready
press Return                      # Install
sleep 30
shot windows-setup-finished       # "Launch Viveka POS" is ticked
cp "$MSCMS" "$INSTALLED/mscms.dll"
press Return
sleep 40                          # the app's first start
shot windows-first-start
wineserver -k || true
sleep 2

rm -f "$INSTALLED/mscms.dll"
wine explorer /desktop=VivekaPOS,1024x768 'C:\Program Files\Viveka POS\unins000.exe' 2>&1 \
    | cat >/dev/null &
shot windows-uninstall-confirm    # says the shop's data is kept
press y                           # Yes
sleep 15
shot windows-uninstall-done       # says where the data stayed
press Return
sleep 3
rm -rf "$WINEPREFIX/drive_c/users/$(id -un)/AppData/Local/Viveka"
