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

.PHONY: demo dashboard test test-separate docs fuzz reliability bench lint lock clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# pipewarden's C modules and the header they share (hatch_build.py compiles them at
# install): a change reinstalls.
NATIVE := hatch_build.py src/pipewarden/_native.h src/pipewarden/profiles/_murmur.c \
          src/pipewarden/io/_jsonkeys.c src/pipewarden/engines/_textstats.c \
          src/pipewarden/profiles/_kllcore.c

# The pinned requirements first, then pipewarden itself with --no-deps, so nothing
# unpinned slips in.
$(VENV)/.installed: requirements/base.txt pyproject.toml $(NATIVE) | $(UV)
	$(INSTALL) --require-hashes -r requirements/base.txt
	$(INSTALL) --no-deps -e .
	$(BIN)/python -m compileall -q src > /dev/null
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml $(NATIVE) | $(UV)
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

# The documentation site, offline, warnings as errors (site/; see docs/writing-docs.md).
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@! grep -rlE '<script[^>]+src="(https?:)?//|<link[^>]+href="(https?:)?//' site \
	    --include='*.html' || (echo "a page loads a script or style from the network" >&2; false)

# Airflow 3 and Prefect 3 cannot share the dev environment (their fastapi pins: see
# pyproject.toml), so each integration's tests run in a venv of its own, installed from
# requirements/NAME.txt (airflow ~50 s and ~1 GB, prefect ~25 s and ~0.6 GB, warm cache).
SEPARATE := airflow prefect
.venv-%/.installed: requirements/%.txt pyproject.toml | $(UV)
	$(PYTHON) -m venv .venv-$*
	$(UV) pip install --quiet --compile-bytecode --python .venv-$*/bin/python \
	    -r requirements/$*.txt
	$(UV) pip install --quiet --python .venv-$*/bin/python --no-deps -e .
	touch $@

# The dbt example builds its model with a real dbt (dbt-core 1.10 + dbt-sqlite: ~110 MB,
# a few seconds), in a venv of its own: dbt's pins (pathspec<0.13...) clash with dev's.
.venv-dbt/.installed: examples/dbt/requirements.txt | $(UV)
	$(PYTHON) -m venv .venv-dbt
	$(UV) pip install --quiet --python .venv-dbt/bin/python -r examples/dbt/requirements.txt
	touch $@

test-separate: $(foreach e,$(SEPARATE),.venv-$(e)/.installed) .venv-dbt/.installed \
    $(VENV)/.installed-dev
	for e in $(SEPARATE); do \
	    .venv-$$e/bin/python -m pytest -q -p no:cacheprovider \
	        tests/integrations/test_$$e.py || exit 1; \
	done
	PIPEWARDEN_TEST_DBT=$(CURDIR)/.venv-dbt/bin/dbt $(BIN)/python -m pytest -q \
	    -p no:cacheprovider tests/integrations/test_dbt_example.py

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
	for e in $(SEPARATE); do \
	    $(UV) pip compile pyproject.toml requirements/separate-test.in --extra $$e \
	        $(LOCK_FLAGS) $(LOCK_UPGRADE) -o requirements/$$e.txt || exit 1; \
	done
	$(UV) pip compile examples/dbt/requirements.in $(LOCK_FLAGS) $(LOCK_UPGRADE) \
	    -o examples/dbt/requirements.txt

clean:
	rm -rf $(VENV) $(foreach e,$(SEPARATE) dbt,.venv-$(e)) demo-output .pipewarden bench-data site
