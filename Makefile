# Developer entry points. README: `make run` (local stack) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
LOCAL_STAMP := $(VENV)/.local-requirements-installed
DEV_STAMP := $(VENV)/.dev-requirements-installed
WEB_STAMP := web/node_modules/.package-lock-installed
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
CERTIFICATE_FONT := certificates/vendor/certificate_pdf/fonts/NotoSansSC-Regular.ttf

venv: $(DEV_STAMP)

# `make run` installs only what the local stack needs (requirements-local.txt, about 30 s on a fresh
# clone); `make test` adds the test tools. Each reinstalls only when one of its files is newer than its
# last successful install.
$(LOCAL_STAMP): requirements.txt requirements-local.txt certificates/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q -r requirements-local.txt
	touch $@

$(DEV_STAMP): $(LOCAL_STAMP) requirements-dev.txt
	$(VENV)/bin/python -m pip install -q -r requirements-dev.txt
	touch $@

# Local stack: DynamoDB (moto) + demo accounts + chalice local serving the H5 client (built again when its
# sources changed) at / and the API under /api. Extra flags: make run ARGS="--reset".
WEB_DIST := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts

run: $(LOCAL_STAMP) $(WEB_DIST)
	$(VENV)/bin/python scripts/local_stack.py $(ARGS)

# The built H5 client alone (what scripts/deploy_web.py publishes).
web: $(WEB_DIST)

$(WEB_DIST): $(WEB_STAMP) $(WEB_SOURCES)
	cd web && node_modules/.bin/vite build --emptyOutDir --logLevel warn

# The web tools (contract linters, typed-client check, playwright-core): exactly the committed lock.
$(WEB_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CHROMIUM) $(CJK_FONT):
	bash scripts/ensure_chromium.sh

# The certificate PDF's font and poppler (its test reads the PDF back).
$(CERTIFICATE_FONT):
	bash scripts/ensure_certificate_tools.sh

test: $(DEV_STAMP) $(WEB_STAMP) $(CHROMIUM) $(CJK_FONT) $(CERTIFICATE_FONT)
	$(VENV)/bin/python -m pytest -n auto --dist loadgroup

# Every generated file, after changing routes, models, schemas, tables or a route's requests: the route
# index first (the app registers its routes from it), then what reads the app (the contract, then its
# TypeScript types), then the measured request budget (runs its test's tour). `tests/test_generated_files.py`
# (and tests/test_contract_lint.py for the types) fails when one is stale.
generate: $(DEV_STAMP) $(WEB_STAMP)
	$(VENV)/bin/python scripts/route_index.py
	$(VENV)/bin/python scripts/openapi.py
	$(VENV)/bin/python scripts/api_types.py
	$(VENV)/bin/python scripts/route_table.py
	$(VENV)/bin/python scripts/stage_config.py
	$(VENV)/bin/python scripts/infra_template.py
	$(VENV)/bin/python scripts/operations.py
	$(VENV)/bin/python scripts/budget_tables.py

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

# Benchmarks (not tests): cold start, scale and the H5 client (bundle, Lighthouse). One part: make bench ARGS="coldstart --instructions";
# smaller scale: make bench ARGS="scale --sizes 1000,10000". Numbers and commands: docs/performance.md.
bench: $(DEV_STAMP)
	$(VENV)/bin/python bench/run.py $(ARGS)
