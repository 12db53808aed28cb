#!/usr/bin/env bash
# Windows lane, part 2: the test suites on the Windows CPython under Wine (run prepare.sh first).
#
#   test.sh             the CI set: unit and GUI suites, and the crash test
#   test.sh --all       also the whole integration suite (before a release, by hand)
#   test.sh PATH...     just these test files or folders
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PROJ"

CI_SET=(tests/unit tests/gui tests/integration/test_crash.py)
if [ "${1:-}" = --all ]; then
    targets=(tests/unit tests/gui tests/integration)
elif [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=("${CI_SET[@]}")
fi

[ -f "$PY/python.exe" ] || { echo "no Windows Python in $PY: run prepare.sh first" >&2; exit 2; }
export QT_QPA_PLATFORM=offscreen
status=0
for target in "${targets[@]}"; do
    name=$(basename "$target" .py)
    step "tests: $name" w "$PY/python.exe" -m pytest -q -p no:cacheprovider "$target" \
        || status=1
done
exit $status
