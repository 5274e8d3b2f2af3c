# SocialDesk developer commands. Every target creates what it needs (.venv, .venv-sam).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
PORT ?= 3000
# the Lambda target (template parameters LambdaRuntime / LambdaArchitecture); `make build` passes both
export LAMBDA_RUNTIME ?= python3.13
export LAMBDA_ARCHITECTURE ?= arm64
CHECKOV_VENV := .venv-checkov
# extra Pythons `make test-pythons` runs the suite under (pyenv's, when PYENV_ROOT has them)
PYENV_ROOT ?= $(HOME)/.pyenv
PYTHONS ?= 3.12 3.13
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export PYTHONPATH := functions:.

# the browser tests drive Debian's Chromium (no browser download): `make test` installs it when missing
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo serve faults fuzz test lint typecheck validate build checkov pytest test-pythons bench train token events clean \
	browser-deps console-publish screenshots

$(VENV)/.installed: requirements/dev.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements/dev.lock
	@touch $@

$(SAM_VENV)/.installed: requirements/sam.lock
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements/sam.lock
	@touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.lock
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements/checkov.lock
	@touch $@

demo: $(VENV)/.installed  ## run the main job locally on moto: replay events/ through the webhook
	$(PY) -m local.demo

serve: $(VENV)/.installed  ## the console and the HTTP API on 127.0.0.1:$(PORT), a seeded desk, replies to the local platforms
	PORT=$(PORT) $(PY) -m local.serve

token: $(VENV)/.installed  ## print a local JWT: make token TEAMS=a,b ROLE=agent
	@$(PY) -m local.token --teams "$(TEAMS)" --role "$(or $(ROLE),agent)"

events: $(VENV)/.installed  ## regenerate events/ (signed with the documented dev secrets)
	$(PY) -m local.make_events

test: lint typecheck validate build checkov pytest  ## the whole suite: ruff, mypy, sam validate --lint, sam build, checkov, pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy -p socialdesk

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint --template template.yaml

# an interpreter of the target version (on PATH, else pyenv's) compiles the artifacts' bytecode: Lambda's
# code and layer directories are read-only, so modules without .pyc files are compiled at every cold start
TARGET_VERSION = $(LAMBDA_RUNTIME:python%=%)
BYTECODE_PYTHON ?= $(shell for p in $$(command -v $(LAMBDA_RUNTIME)) $(PYENV_ROOT)/versions/$(TARGET_VERSION).*/bin/python3; do \
	"$$p" -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(TARGET_VERSION)")' 2>/dev/null && { echo "$$p"; break; }; \
	done)

build: $(SAM_VENV)/.installed  ## sam build for LAMBDA_RUNTIME on LAMBDA_ARCHITECTURE (no container)
	LAYER_PYTHON=$(abspath $(SAM_VENV))/bin/python BYTECODE_PYTHON=$(BYTECODE_PYTHON) \
		$(SAM) build --template template.yaml --cached --parallel \
		--parameter-overrides LambdaRuntime=$(LAMBDA_RUNTIME) LambdaArchitecture=$(LAMBDA_ARCHITECTURE)

# checkov from its own pinned venv, offline: no platform mapping or guideline downloads, no update
# check, no results upload (no API key); deliberate skips are listed with reasons in .checkov.yaml
checkov: $(CHECKOV_VENV)/.installed
	BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE \
		$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

pytest: $(VENV)/.installed browser-deps
	$(VENV)/bin/pytest

browser-deps:  ## Debian's chromium for the browser tests (apt-get, only when $(CHROMIUM) is missing)
	@test -x $(CHROMIUM) || { \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get install -y chromium || { $$SUDO apt-get update && $$SUDO apt-get install -y chromium; }; \
	}

screenshots: $(VENV)/.installed browser-deps  ## retake the README's console screenshots (docs/console-*.png)
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/browser/readme_screenshots.py

# upload console/ to the stack's private bucket with a config.json naming the API and the IdP, then
# invalidate CloudFront: make console-publish STACK=socialdesk-prod OIDC_CLIENT_ID=<the IdP's client id>
console-publish:
	@test -n "$(STACK)" || { echo "STACK=<your stack name> is required"; exit 1; }
	@test -n "$(OIDC_CLIENT_ID)" || { echo "OIDC_CLIENT_ID=<the console's client id at your IdP> is required"; exit 1; }
	$(PY) -m local.console_publish --stack "$(STACK)" --client-id "$(OIDC_CLIENT_ID)" $(if $(OIDC_SCOPE),--scope "$(OIDC_SCOPE)") $(if $(OIDC_TOKEN),--token "$(OIDC_TOKEN)")

test-pythons:  ## pytest under each of PYTHONS (pyenv's interpreters), each in its own .venv-<version>
	@set -e; for version in $(PYTHONS); do \
		interpreter=$$(ls -d $(PYENV_ROOT)/versions/$$version*/bin/python3 2>/dev/null | sort -V | tail -1); \
		test -n "$$interpreter" || { echo "no Python $$version under $(PYENV_ROOT)/versions"; exit 1; }; \
		if [ ! -f .venv-$$version/.installed ] || [ requirements/dev.lock -nt .venv-$$version/.installed ]; then \
			$$interpreter -m venv .venv-$$version; \
			.venv-$$version/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements/dev.lock; \
			touch .venv-$$version/.installed; \
		fi; \
		echo "== pytest on $$(.venv-$$version/bin/python --version)"; \
		.venv-$$version/bin/pytest -q -p no:cacheprovider; \
	done

faults: $(VENV)/.installed  ## the fault suite at full size (FAULT_MESSAGES=300): prints the table, every row should be 0
	$(PY) -m benchmarks.faults

fuzz: $(VENV)/.installed  ## FUZZ_BODIES hostile bodies (default 10000) to every POST route; any 5xx or reasonless 4xx fails
	$(PY) -m benchmarks.fuzz

bench: $(VENV)/.installed  ## figures only; asserts nothing on time. One suite: make bench SUITE=cold_start
	$(PY) -m benchmarks $(SUITE)

train: $(VENV)/.installed  ## fit the routing model from ../shared/datasets + training/seed → functions/socialdesk/models
	$(PY) -m training

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .venv-3.* .aws-sam .pytest_cache .ruff_cache .hypothesis
