# Two commands: `make demo` (set up + run the whole pipeline on the demo) and `make test` (set up + tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test ci-pipeline bench lint clean dashboard mutation lab report-tools

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/maturasi build --framework kominfo_gm100sc --data data/demo/smartcity_panel.csv \
		--spec data/demo/spec.yaml --out reports/demo-index --force
	$(BIN)/maturasi run configs/demo.yaml --out reports/demo --force

# JupyterLab in the project's venv on notebooks/ (served from the project folder, so jupytext.toml pairs
# every .ipynb with its py:percent script: edit either one). Opens the researchers' start-here notebook.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# Chromium (prints report.pdf from report.html) and poppler-utils (page previews): Debian packages, root or sudo.
report-tools:
	bash scripts/install-browser.sh

dashboard: $(STAMP)
	$(BIN)/maturasi dashboard --runs reports --unit 73.71

ci-pipeline: $(STAMP)
	$(BIN)/maturasi run configs/ci.yaml --out reports/ci --no-progress --force
	test -s reports/ci/report.html && test -s reports/ci/report.pdf && test -s reports/ci/pages/page_01.png

test: $(STAMP)
	$(BIN)/python -m pytest tests
	$(BIN)/ruff check src tests benchmarks

# Mutation testing (mutmut), module by module in a copy of the tree; see tests/README.md.
# `make mutation MODULES="treat aggregate"` for a subset; all modules take tens of minutes on 2 cores.
mutation: $(STAMP)
	PYTHON_BIN=$(abspath $(BIN)) scripts/mutation.sh $(MODULES)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_uncertainty.py
	$(BIN)/python benchmarks/bench_weights.py
	$(BIN)/python benchmarks/bench_scenario.py

clean:
	rm -rf $(VENV) reports/demo reports/demo-index reports/ci reports/lab
