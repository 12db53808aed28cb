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
from PIL import ImageChops, ImageGrab

path, display = sys.argv[1], sys.argv[2]
previous, image = None, None
for _ in range(60):
    time.sleep(1)
    image = ImageGrab.grab(xdisplay=display)
    if previous is not None and ImageChops.difference(image, previous).getbbox() is None:
        break
    previous = image
background = image.getpixel((image.width - 1, image.height - 1))
mask = ImageChops.difference(image, image.__class__.new("RGB", image.size, background))
box = mask.convert("L").point(lambda value: 255 if value > 8 else 0).getbbox()
image.crop(box or (0, 0, image.width, image.height)).save(path, optimize=True)
print("saved", path, box)
PYEOF
}
press() { sleep 1; xdotool key --delay 200 "$@"; }

wine explorer /desktop=VivekaPOS,1024x768 "$(winpath "$SETUP")" >/dev/null 2>&1 &
shot windows-setup-mode           # for all users (administrator) or for me only
press Return
shot windows-setup-welcome        # says the shop's data is kept apart from the program
press Return
shot windows-setup-folder
press Return
press space                       # tick "Create a desktop shortcut"
shot windows-setup-tasks
press Return
shot windows-setup-ready
press Return
sleep 30                          # installing
shot windows-setup-finished       # "Launch Viveka POS" is ticked
press Return
sleep 20                          # the app's first start
shot windows-first-start
wineserver -k || true
sleep 2

wine explorer /desktop=VivekaPOS,1024x768 'C:\Program Files\Viveka POS\unins000.exe' \
    >/dev/null 2>&1 &
shot windows-uninstall-confirm    # says the shop's data is kept
press Return
sleep 15
shot windows-uninstall-done       # says where the data stayed
press Return
sleep 3
