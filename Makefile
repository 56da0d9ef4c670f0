# pipewarden: `make demo` sets up and runs the demo; `make test` sets up and runs the tests.
# Both install the versions pinned in requirements/ (base.txt for the demo, dev.txt for the
# tests and tools); `make lock` re-resolves those pins on purpose.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION   := 0.13.9
LOCK_UPGRADE ?= --upgrade
# One lock for every platform, from the oldest Python we support; every pin with the
# hashes of its files, checked at install (--require-hashes).
LOCK_FLAGS   := --universal --python-version 3.11 --custom-compile-command "make lock" \
                --generate-hashes --quiet
INSTALL      := $(UV) pip install --quiet --compile-bytecode --python $(BIN)/python

.PHONY: demo dashboard test fuzz reliability bench lint lock clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# The pinned requirements first, then pipewarden itself with --no-deps, so nothing
# unpinned slips in.
$(VENV)/.installed: requirements/base.txt pyproject.toml | $(UV)
	$(INSTALL) --require-hashes -r requirements/base.txt
	$(INSTALL) --no-deps -e .
	$(BIN)/python -m compileall -q src > /dev/null
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(UV)
	$(INSTALL) --require-hashes -r requirements/dev.txt
	$(INSTALL) --no-deps -e .
	$(BIN)/python -m compileall -q src > /dev/null
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/pipewarden demo --out demo-output

# The dashboard over the demo's store (writes open to anyone: a local trial).
dashboard: $(VENV)/.installed
	$(BIN)/pipewarden serve --insecure

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The property-based fuzzers with many more examples (tests/conftest.py: "long").
fuzz: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest -q -p no:cacheprovider \
	    tests/io/test_fuzz_readers.py tests/contracts/test_fuzz_contracts.py \
	    tests/conform/test_fuzz_gate.py

# Bad input through the real commands; writes benchmarks/RELIABILITY.md.
reliability: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/reliability.py

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_profile.py
	$(BIN)/python benchmarks/bench_gate.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_drift_quality.py
	$(BIN)/python benchmarks/bench_server.py
	$(BIN)/python benchmarks/bench_load.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src/pipewarden

# Newest releases that pyproject.toml allows; dev first, then base within dev's pins,
# so the two agree. `make lock LOCK_UPGRADE=` only follows pyproject.toml's changes.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(LOCK_UPGRADE) \
	    -o requirements/dev.txt
	$(UV) pip compile pyproject.toml -c requirements/dev.txt $(LOCK_FLAGS) $(LOCK_UPGRADE) \
	    -o requirements/base.txt

clean:
	rm -rf $(VENV) demo-output .pipewarden bench-data
