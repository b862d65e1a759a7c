# Developer entry points. README: `make run` (local stack) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.requirements-installed

.PHONY: venv run test lint bench

venv: $(STAMP)

# Reinstall only when a requirements file is newer than the last successful install.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -r requirements-dev.txt
	touch $@

# Local stack: DynamoDB (moto) + demo accounts + chalice local. Extra flags: make run ARGS="--reset".
run: venv
	$(VENV)/bin/python scripts/local_stack.py $(ARGS)

test: venv
	$(VENV)/bin/python -m pytest -n auto --dist loadgroup

lint: venv
	$(VENV)/bin/ruff check .

# Benchmarks (not tests): cold start, CPU per request, scale. One part: make bench ARGS="cpu --profile";
# smaller scale: make bench ARGS="scale --sizes 1000,10000". Numbers and commands: docs/performance.md.
bench: venv
	$(VENV)/bin/python bench/run.py $(ARGS)
