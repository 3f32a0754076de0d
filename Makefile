# One command per chore. `make run` and `make test` do all their own set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
DATA_DIR ?= $(ROOT)/var
export SUPPORTBOT_DATA_DIR := $(DATA_DIR)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export RASA_TELEMETRY_ENABLED := false
export ANONYMIZED_TELEMETRY := False
export TF_CPP_MIN_LOG_LEVEL := 2
export TRANSFORMERS_VERBOSITY := error
export HF_HUB_DISABLE_PROGRESS_BARS := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_CACHE_DIRECTORY := $(DATA_DIR)/rasa-cache
export PYTHONPATH := $(ROOT)

# Rasa 3.6 needs Python 3.10; the action server (LangChain 1.x, chromadb) 3.11.
# pyenv's interpreters are used when present; otherwise uv finds or fetches them.
PYTHON310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) 3.10)
PYTHON311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) 3.11)
UV := $(shell command -v uv 2>/dev/null)
# torch is pinned to its CPU build; where no local wheel folder holds it, pip
# takes it from PyTorch's CPU index (a plain PyPI torch is a multi-GB CUDA build).
TORCH_INDEX ?= $(if $(wildcard /opt/wheels/torch-*),,--extra-index-url https://download.pytorch.org/whl/cpu)

RASA_VENV := .venv-rasa
ACT_VENV := .venv-actions
RASA := $(RASA_VENV)/bin/rasa
ACT_PY := $(ACT_VENV)/bin/python
MODEL := $(DATA_DIR)/models/supportbot.tar.gz
RASA_INPUTS := config.yml bot/domain.yml $(wildcard bot/data/*.yml)

.PHONY: help install run sync hours model eval-routing eval-retrieval bench-sync bench-latency bench-soak report bench-reports retention export-customer erase-customer widget-size chromium test test-rasa test-actions lint lock clean

help:
	@echo "make run    install, train if needed, sync the help centre, start the bot"
	@echo "make test   install and run the whole test suite"
	@echo "make lint   ruff and mypy"
	@echo "make sync   index the help-centre folder (incremental)"
	@echo "make hours  is the support team open now (hours in bot/support.yml) [AT=<ISO time>]"
	@echo "make lock   re-resolve the pinned requirement files"
	@echo "make widget-size   gzipped KB a page downloads before the chat opens (budget 15)"
	@echo "make eval-retrieval SET=<beir dir> [SWEEP=1]   retrieval + gate vs the tutorial stack"
	@echo "make eval-routing FILE=<jsonl>                  NLU routing per label"
	@echo "make bench-sync SET=<beir dir>                  unchanged re-sync vs full index"
	@echo "make report [SINCE= UNTIL= CHANNEL= PAGE= FORMAT=table|json|csv OUT=] [ARGS=...]   support reports"
	@echo "make bench-reports [CONVERSATIONS=100000]       report speed on SQLite and PostgreSQL (JSON last line)"
	@echo "make retention [DAYS=365] [DRY_RUN=1]           delete conversations older than RETENTION_DAYS (docs/privacy.md)"
	@echo "make export-customer EMAIL=|CONVERSATION=|CUSTOMER_ID=|SLACK_USER= [OUT=file]   one customer's data as JSON"
	@echo "make erase-customer EMAIL=|CONVERSATION=|CUSTOMER_ID=|SLACK_USER= [DRY_RUN=1]   delete one customer's data"
	@echo "make bench-latency [CUSTOMERS=8 TURNS=25]       answer latency/throughput vs a bare rasa init"
	@echo "make bench-soak MINUTES=30 [CUSTOMERS=8]        memory growth and errors under steady load"

install: $(RASA_VENV)/.installed $(ACT_VENV)/.installed

$(RASA_VENV)/.installed: requirements/rasa.txt
	@test -n "$(UV)" || python3 -m pip install --quiet uv
	$(or $(UV),python3 -m uv) venv --quiet --allow-existing -p $(PYTHON310) $(RASA_VENV)
	$(or $(UV),python3 -m uv) pip install --quiet -p $(RASA_VENV) -r requirements/rasa.txt
	@touch $@

# pip, not uv: pip takes the CPU torch wheel from the local wheel folder, uv
# would download a CUDA build (see ARCHITECTURE.md).
$(ACT_VENV)/.installed: requirements/actions.txt
	@test -n "$(UV)" || python3 -m pip install --quiet uv
	$(or $(UV),python3 -m uv) venv --quiet --allow-existing --seed -p $(PYTHON311) $(ACT_VENV)
	$(ACT_PY) -m pip install --quiet --disable-pip-version-check $(TORCH_INDEX) -r requirements/actions.txt 2> >(grep -v "is ignored: it is neither" >&2)
	@touch $@

model: $(MODEL)

# Retrained only when the pipeline, domain or training data change.
$(MODEL): $(RASA_INPUTS) | $(RASA_VENV)/.installed
	@mkdir -p $(DATA_DIR)/logs
	@echo "training the Rasa model (about a minute; log: $(DATA_DIR)/logs/train.log)"
	@$(RASA) train --domain bot/domain.yml --data bot/data --config config.yml \
		--out $(DATA_DIR)/models --fixed-model-name supportbot > $(DATA_DIR)/logs/train.log 2>&1 \
		|| { tail -n 20 $(DATA_DIR)/logs/train.log; exit 1; }
	@touch $@

# Routing quality of the trained NLU on {"text","label"} lines; the last line is JSON.
#   make eval-routing FILE=../shared/data/routing/utterances.jsonl
ifneq ($(filter eval-routing,$(MAKECMDGOALS)),)
ifeq ($(strip $(FILE)),)
$(error FILE is not set: make eval-routing FILE=<jsonl with "text" and "label" per line>)
endif
endif
eval-routing: $(RASA_VENV)/.installed $(MODEL)
	@$(RASA_VENV)/bin/python -m bot.evaluate_routing "$(FILE)" --model "$(MODEL)"

# Retrieval and the answer gate on a BEIR-format set, the tutorial stack beside it:
#   make eval-retrieval SET=../shared/data/retrieval/emanual
# The gate is the one in bot/support.yml (SUPPORT_RULES), as the product uses it.
ifneq ($(filter eval-retrieval bench-sync,$(MAKECMDGOALS)),)
ifeq ($(strip $(SET)),)
$(error SET is not set: make $(filter eval-retrieval bench-sync,$(MAKECMDGOALS)) SET=<BEIR folder, e.g. ../shared/data/retrieval/emanual>)
endif
endif
MIN_SCORE = $(shell $(ACT_PY) -c 'import os; from pathlib import Path; from actions.support_rules import load_support_rules as l; print(l(Path(os.environ.get("SUPPORT_RULES") or "bot/support.yml")).answers.min_score)')
eval-retrieval: $(ACT_VENV)/.installed
	@$(ACT_PY) -m knowledge.evaluation "$(SET)" --min-score $(MIN_SCORE) $(if $(SWEEP),--sweep)

# Re-sync of an unchanged corpus against its first full index, same run.
bench-sync: $(ACT_VENV)/.installed
	@$(ACT_PY) -m knowledge.evaluation.bench_sync "$(SET)"

# The real stack under N closed-loop customers over the widget WebSocket, after a
# bare `rasa init` assistant (trained once into $(DATA_DIR)/bench) in the same run;
# then one long conversation. The last line is JSON (docs/benchmarks.md).
CUSTOMERS ?= 8
TURNS ?= 25
bench-latency: install $(MODEL)
	@test -d $(DATA_DIR)/chroma || $(MAKE) --no-print-directory sync
	@$(ACT_PY) -m tests.bench.bench_latency --customers $(CUSTOMERS) --turns $(TURNS) \
		--bench-dir $(DATA_DIR)/bench

# Steady load for MINUTES; resident memory of both servers sampled. Not run in CI.
MINUTES ?= 30
bench-soak: install $(MODEL)
	@test -d $(DATA_DIR)/chroma || $(MAKE) --no-print-directory sync
	@$(ACT_PY) -m tests.bench.bench_soak --minutes $(MINUTES) --customers $(CUSTOMERS) \
		--bench-dir $(DATA_DIR)/bench

sync: $(ACT_VENV)/.installed
	$(ACT_PY) -m knowledge sync

# Support reports (docs/reports.md); every option of `python -m actions.reports` also works in ARGS:
#   make report SINCE=2026-11-01 UNTIL=2026-11-30 CHANNEL=webchat PAGE=https://www.example.com/pricing FORMAT=csv OUT=nov.csv
report: $(ACT_VENV)/.installed
	@$(ACT_PY) -m actions.reports $(if $(SINCE),--since "$(SINCE)") $(if $(UNTIL),--until "$(UNTIL)") \
		$(if $(CHANNEL),--channel "$(CHANNEL)") $(if $(PAGE),--page-url-prefix "$(PAGE)") \
		$(if $(FORMAT),--format "$(FORMAT)") $(if $(OUT),--output "$(OUT)") $(ARGS)

# Reports over a generated log of 100,000 conversations, cold and warm; the last line is JSON.
bench-reports: $(ACT_VENV)/.installed
	@$(ACT_PY) -m actions.reports.bench $(if $(CONVERSATIONS),--conversations $(CONVERSATIONS))

# Privacy (docs/privacy.md): retention, and one customer's export or erase. Exit 2: wrong input, nothing changed.
#   make retention DAYS=365 DRY_RUN=1     make export-customer EMAIL=jane@example.com OUT=jane.json
#   make erase-customer SLACK_USER=U0123ABCD
WHO = $(if $(EMAIL),--email "$(EMAIL)") $(if $(CONVERSATION),--conversation "$(CONVERSATION)") \
	$(if $(CUSTOMER_ID),--customer-id "$(CUSTOMER_ID)") $(if $(SLACK_USER),--slack-user "$(SLACK_USER)")
retention: $(ACT_VENV)/.installed
	@$(ACT_PY) -m actions.privacy retention $(if $(DAYS),--days "$(DAYS)") $(if $(DRY_RUN),--dry-run) $(ARGS)

export-customer: $(ACT_VENV)/.installed
	@$(ACT_PY) -m actions.privacy export $(WHO) $(if $(OUT),--out "$(OUT)") $(ARGS)

erase-customer: $(ACT_VENV)/.installed
	@$(ACT_PY) -m actions.privacy erase $(WHO) $(if $(DRY_RUN),--dry-run) $(ARGS)

# Is the support team open now, and when does that change (hours in bot/support.yml)?
#   make hours [AT=2026-12-24T13:00]
hours: $(ACT_VENV)/.installed
	@$(ACT_PY) -m actions.hours $(if $(AT),--at "$(AT)")

run: install model sync
	@$(RASA_VENV)/bin/python bot/serve.py

test: install model sync lint test-rasa test-actions

# Tests run in the environment of the code they test (tests mirror the tree).
test-rasa: $(RASA_VENV)/.installed
	$(RASA_VENV)/bin/python -m pytest tests/bot tests/channels

test-actions: $(ACT_VENV)/.installed chromium
	RASA_MODEL=$(MODEL) $(ACT_PY) -m pytest tests/actions tests/knowledge tests/e2e tests/browser

# The browser tests drive Debian's Chromium (never a browser Playwright downloads).
chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Gzipped bytes a page downloads before the chat is opened; the last line is JSON.
widget-size:
	@python3 -m tests.browser.widget_size

lint: $(ACT_VENV)/.installed
	$(ACT_VENV)/bin/ruff check actions knowledge channels bot tests
	$(ACT_VENV)/bin/mypy actions knowledge channels bot

lock:
	uv pip compile pyproject.toml --extra rasa --extra rasa-test --python-version 3.10 -o requirements/rasa.txt
	uv pip compile pyproject.toml --extra actions --extra actions-test --python-version 3.11 \
		--find-links /opt/wheels -o requirements/actions.txt

clean:
	rm -rf $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache
