# pipewarden: `make demo` sets up and runs the demo; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv

.PHONY: demo test bench lint typecheck clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

$(VENV)/.installed: pyproject.toml | $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -e .
	$(BIN)/python -m compileall -q src > /dev/null
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	$(BIN)/python -m compileall -q src > /dev/null
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/pipewarden demo --out demo-output

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_profile.py
	$(BIN)/python benchmarks/bench_gate.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_drift_quality.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/pipewarden

clean:
	rm -rf $(VENV) demo-output .pipewarden bench-data
