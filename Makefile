# Three commands: `make system-deps` (once per machine), `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-check clean system-deps package screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	touch $(STAMP)

## Start the app on the embedded store (no remote, no SMS key needed);
## `make run DATA_DIR=/path` keeps the shop's data in that folder.
run: $(STAMP)
	$(BIN)/viveka-pos $(if $(DATA_DIR),--data-dir "$(DATA_DIR)")

## Lint, format check, type check, and run the whole test suite.
test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Build the Linux bundle, .tar.gz and .deb into dist/ (docs/install.md).
package: $(STAMP)
	installer/linux/build.sh --python $(BIN)/python

## PNGs of every screen with the demo shop, into docs/screenshots/.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/screenshots/make_screenshots.py

bench: $(STAMP)
	$(BIN)/python bench/store_bench.py

## Build the S1 data set (a year of a small shop) and fail when a CLI command breaks its
## budget: peak RSS <= 200 MB, wall <= 2x `viveka-pos --help` measured in the same run.
BENCH_S1 ?= bench/out/s1
bench-check: $(STAMP)
	test -f $(BENCH_S1)/viveka.sqlite3 || $(BIN)/python bench/dataset.py --out $(BENCH_S1) --scale S1
	$(BIN)/python bench/cli_bench.py $(BENCH_S1) --runs 3 --check

## Debian/Ubuntu packages the app and the tests need; as root it runs apt-get itself,
## otherwise through sudo (asks for your password).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-deps:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		python3-venv libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 \
		libdbus-1-3 libxcb-icccm4 libxcb-keysyms1 fonts-dejavu-core poppler-utils \
		zbar-tools binutils \
		xvfb xdotool xauth libxcb-cursor0 libxcb-image0 libxcb-randr0 libxcb-render-util0 \
		libxcb-shape0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1 libx11-xcb1

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

## Windows lane under Wine (installer/windows/lane/; root, for apt-get on first use): the unit
## and GUI suites and the crash test on Windows CPython; then the setup.exe a shop receives,
## into dist/, installed, self-tested and uninstalled.
.PHONY: test-windows package-windows
test-windows: $(STAMP)
	installer/windows/lane/prepare.sh
	installer/windows/lane/test.sh

package-windows: $(STAMP)
	installer/windows/lane/prepare.sh
	installer/windows/lane/package.sh
