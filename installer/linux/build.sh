#!/usr/bin/env bash
# Build the Linux packages of Viveka POS:
#   dist/viveka-pos-VERSION-linux-ARCH.tar.gz   the one-folder bundle, to unpack anywhere
#   dist/viveka-pos_VERSION_ARCH.deb             installs it to /opt/viveka-pos
#
# Usage: installer/linux/build.sh [--dist DIR] [--work DIR] [--python PYTHON] [--fast]
#   --dist    where the packages go (default: dist/ in the checkout)
#   --work    scratch folder for PyInstaller and the .deb tree (default: build/linux)
#   --python  the Python that has the app and PyInstaller installed (default: .venv/bin/python)
#   --fast    quick compression (gzip -1, zstd) for test builds; bigger files
#
# The bundle must pass its own `--self-test` before anything is packaged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dist="$root/dist"
work="$root/build/linux"
python="$root/.venv/bin/python"
fast=0
# Set DEB_MAINTAINER to the real contact when publishing packages.
maintainer="${DEB_MAINTAINER:-Viveka POS packaging <packaging@viveka.invalid>}"

while [ $# -gt 0 ]; do
  case "$1" in
    --dist) dist="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --fast) fast=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "build.sh: $*" >&2; exit 1; }
[ -x "$python" ] || python="$(command -v python3)" || die "no Python found"
"$python" -c 'import PyInstaller' 2>/dev/null \
  || die "PyInstaller is not installed for $python (pip install pyinstaller)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is needed to build the .deb"
command -v objdump >/dev/null || die "objdump (binutils) is needed to read library versions"

mkdir -p "$dist" "$work"
dist="$(cd "$dist" && pwd)"
work="$(cd "$work" && pwd)"
version="$("$python" -c 'import viveka_pos; print(viveka_pos.__version__)')"
arch="$(dpkg --print-architecture)"
started=$SECONDS

# -- 1. the bundle ---------------------------------------------------------------------------
echo "== PyInstaller bundle (viveka-pos $version, $arch)"
rm -rf "$work/bundle"
"$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$work/bundle" --workpath "$work/pyinstaller" "$root/installer/viveka-pos.spec"
bundle="$work/bundle/viveka-pos"
[ -x "$bundle/viveka-pos" ] || die "PyInstaller made no $bundle/viveka-pos"

echo "== self-test of the bundle"
(cd "$work" && QT_QPA_PLATFORM=offscreen "$bundle/viveka-pos" --self-test) \
  || die "the bundle failed its self-test; nothing was packaged"

# -- 2. the .tar.gz --------------------------------------------------------------------------
tarball="$dist/viveka-pos-$version-linux-$arch.tar.gz"
level=$([ "$fast" = 1 ] && echo 1 || echo 9)
echo "== $tarball"
tar -C "$work/bundle" --owner=0 --group=0 --numeric-owner --sort=name \
  -cf - viveka-pos | gzip "-$level" > "$tarball"

# -- 3. the .deb -----------------------------------------------------------------------------
# Highest glibc symbol version any bundled file asks for: the bundle runs on that glibc or newer.
glibc="$(find "$bundle" -type f \( -name '*.so*' -o -perm -u+x \) -print0 \
  | xargs -0 objdump -p 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' \
  | sort -u -V | tail -n 1)"
[ -n "$glibc" ] || die "could not read the glibc version the bundle needs"

tree="$work/deb"
rm -rf "$tree"
mkdir -p "$tree/DEBIAN" "$tree/opt" "$tree/usr/bin" "$tree/usr/share/applications" \
  "$tree/usr/share/doc/viveka-pos" "$tree/usr/share/icons/hicolor/scalable/apps"
cp -a "$bundle" "$tree/opt/viveka-pos"
ln -s /opt/viveka-pos/viveka-pos "$tree/usr/bin/viveka-pos"
install -m 0644 "$here/viveka-pos.desktop" "$tree/usr/share/applications/viveka-pos.desktop"
install -m 0644 "$root/installer/icons/viveka-pos.svg" \
  "$tree/usr/share/icons/hicolor/scalable/apps/viveka-pos.svg"
"$python" "$root/installer/make_icons.py" "$work/icons" >/dev/null
for png in "$work"/icons/viveka-pos-*.png; do
  size="${png##*-}"; size="${size%.png}"
  install -D -m 0644 "$png" "$tree/usr/share/icons/hicolor/${size}x${size}/apps/viveka-pos.png"
done
install -m 0644 "$here/copyright" "$tree/usr/share/doc/viveka-pos/copyright"
install -m 0755 "$here/postrm" "$tree/DEBIAN/postrm"

depends="$(grep -v '^#' "$here/depends" | sed '/^$/d' | paste -sd, - | sed 's/,/, /g')"
recommends="$(grep -v '^#' "$here/recommends" | sed '/^$/d' | paste -sd, - | sed 's/,/, /g')"
size_kb="$(du -sk --exclude=DEBIAN "$tree" | cut -f1)"
cat > "$tree/DEBIAN/control" <<EOF
Package: viveka-pos
Version: $version
Architecture: $arch
Section: misc
Priority: optional
Maintainer: $maintainer
Installed-Size: $size_kb
Depends: libc6 (>= $glibc), $depends
Recommends: $recommends
Description: Point-of-sale and GST billing for small shops
 Viveka POS bills at the counter with a barcode scanner, prints GST tax
 invoices (A4) and thermal receipts, keeps stock, customers and dealers, and
 works offline; it can sync with the shop's remote database.
 .
 The shop's data lives in each user's data folder
 (~/.local/share/VivekaPOS), never under /opt: upgrading or removing this
 package leaves it alone.
EOF

deb="$dist/viveka-pos_${version}_${arch}.deb"
echo "== $deb"
if [ "$fast" = 1 ]; then compression=(-Zzstd); else compression=(-Zxz); fi
dpkg-deb --root-owner-group "${compression[@]}" --build "$tree" "$deb" >/dev/null

echo "== done in $((SECONDS - started)) s"
du -sh "$bundle" "$tarball" "$deb"
