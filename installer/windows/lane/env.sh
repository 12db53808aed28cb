# Sourced by the Windows lane's scripts: where things live, and how to run a Windows program.
#
# The lane keeps what it prepares (Wine prefix, Windows CPython, wheels, npm's Inno Setup) in
# VIVEKA_WIN_CACHE, outside the clone, so a second run on the same machine skips that work;
# from an empty folder it prepares everything again. Build outputs of one run go to
# VIVEKA_WIN_OUT (the project's dist/ and build/ folders by default).

PROJ=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
LANE=$PROJ/installer/windows/lane
CACHE=${VIVEKA_WIN_CACHE:-/var/cache/viveka-wine}
PY=$CACHE/python                 # the Windows CPython the tests and PyInstaller run on
WHEELS=$CACHE/wheels
export WINEPREFIX=$CACHE/prefix WINEDEBUG=${WINEDEBUG:--all} WINEDLLOVERRIDES="winemenubuilder.exe=d"
TIMINGS=${VIVEKA_WIN_TIMINGS:-$PROJ/build/windows-lane-timings.txt}
mkdir -p "$CACHE" "$(dirname "$TIMINGS")"

# Run a Windows program under Wine. Its output always goes through a pipe: a Windows process
# whose stdout is a regular Unix file dies while Python sets up sys.stdout in Wine 8.0.
w() { wine "$@" 2>&1 | cat; return "${PIPESTATUS[0]}"; }

# The Windows spelling of a Unix path (Wine maps / to drive Z:).
winpath() { local p; p=$(realpath -m "$1"); echo "Z:${p//\//\\}"; }

# Run one lane step, print and record how long it took: `step NAME command...`.
step() {
    # (variables prefixed: bash lets the called function overwrite the caller's locals)
    local step_name=$1 step_start step_status=0
    shift
    step_start=$(date +%s)
    echo "=== windows lane: $step_name"
    # In a subshell, with errexit on: any failing command ends the step (errexit would be
    # ignored inside a `cmd || ...` list), and the lane carries on or stops as its caller says.
    set +e
    ( set -e; "$@" )
    step_status=$?
    set -e
    printf '%-28s %5d s  %s\n' "$step_name" "$(( $(date +%s) - step_start ))" \
        "$([ $step_status = 0 ] && echo ok || echo "FAILED ($step_status)")" | tee -a "$TIMINGS"
    return $step_status
}

# The project's version, from pyproject.toml.
project_version() {
    python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
        "$PROJ/pyproject.toml"
}
