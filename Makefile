# The two commands a newcomer needs:  `make run`  (demo hall on SQLite)  and  `make test`  (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install translations db demo run test lint browser bench clean

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/flask translations

translations: $(BIN)/flask
	$(BIN)/pybabel compile --use-fuzzy -d service_center/translations -D messages -f >/dev/null

db: install
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo

## Set up, seed the demo hall and serve it on http://$(HOST):$(PORT)
run: demo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## Debian's Chromium for the browser tests (never a downloaded browser build)
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null; fi; }

## Set up and run the whole test suite (SQLite and PostgreSQL; browser tests in Debian's Chromium)
test: install browser
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) instance .pytest_cache
