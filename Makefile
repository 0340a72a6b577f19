# Two commands: `make demo` (set up + build the demo) and `make test` (set up + run the tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/maturasi build --framework kominfo_gm100sc --data data/demo/smartcity_panel.csv \
		--spec data/demo/spec.yaml --out reports/demo/index
	$(BIN)/maturasi uncertainty --framework kominfo_gm100sc --data data/demo/smartcity_panel.csv --year 2025 \
		--spec data/demo/spec.yaml --ua data/demo/ua.yaml --out reports/demo/uncertainty

test: $(STAMP)
	$(BIN)/python -m pytest tests
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_uncertainty.py
	$(BIN)/python benchmarks/bench_weights.py

clean:
	rm -rf $(VENV) reports/demo
