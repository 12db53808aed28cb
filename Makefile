# Two commands matter: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean system-deps package screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	touch $(STAMP)

## Start the app on the embedded store (no remote, no SMS key needed).
run: $(STAMP)
	$(BIN)/viveka-pos

## Lint and run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check .
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

## Build the Linux bundle, .tar.gz and .deb into dist/ (docs/install.md).
package: $(STAMP)
	installer/linux/build.sh --python $(BIN)/python

## PNGs of every screen with the demo shop, into docs/screenshots/.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/screenshots/make_screenshots.py

bench: $(STAMP)
	$(BIN)/python bench/store_bench.py

## Debian/Ubuntu libraries Qt needs (run as root or with sudo).
system-deps:
	apt-get update
	apt-get install -y --no-install-recommends python3-venv libegl1 libgl1 libxkbcommon0 \
		libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-icccm4 libxcb-keysyms1 \
		fonts-dejavu-core poppler-utils binutils

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
