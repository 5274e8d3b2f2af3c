# SocialDesk developer commands. Every target creates what it needs (.venv, .venv-sam).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
PORT ?= 3000
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export PYTHONPATH := functions:.

.PHONY: demo serve test lint typecheck validate build pytest bench train token events clean

$(VENV)/.installed: requirements/dev.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements/dev.lock
	@touch $@

$(SAM_VENV)/.installed: requirements/sam.lock
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements/sam.lock
	@touch $@

demo: $(VENV)/.installed  ## run the main job locally on moto: replay events/ through the webhook
	$(PY) -m local.demo

serve: $(VENV)/.installed  ## serve the template's HTTP API on 127.0.0.1:$(PORT) until stopped
	PORT=$(PORT) $(PY) -m local.serve

token: $(VENV)/.installed  ## print a local JWT: make token TEAMS=a,b ROLE=agent
	@$(PY) -m local.token --teams "$(TEAMS)" --role "$(or $(ROLE),agent)"

events: $(VENV)/.installed  ## regenerate events/ (signed with the documented dev secrets)
	$(PY) -m local.make_events

test: lint typecheck validate build pytest  ## the whole suite: ruff, mypy, sam validate --lint, sam build, pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy -p socialdesk

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint --template template.yaml

build: $(SAM_VENV)/.installed
	$(SAM) build --template template.yaml --cached --parallel

pytest: $(VENV)/.installed
	$(VENV)/bin/pytest

bench: $(VENV)/.installed  ## figures only; asserts nothing on time
	$(PY) -m benchmarks

train: $(VENV)/.installed  ## fit the routing model from ../shared/datasets + training/seed → functions/socialdesk/models
	$(PY) -m training

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .ruff_cache .hypothesis
