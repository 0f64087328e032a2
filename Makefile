# 物业通 — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: run test install assets browser lint typecheck check bench clean serve-prod

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.lock pyproject.toml
	$(PY) -m pip install -q --upgrade pip uv
	$(VENV)/bin/uv pip install -q --python $(PY) -r requirements.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP) assets

# Front-end files (ECharts) from the npm registry, pinned by package-lock.json; no Node needed.
assets: $(PY)
	@$(PY) scripts/vendor_assets.py

run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	@echo "物业通 running at http://127.0.0.1:$(PORT)  (owner app: http://127.0.0.1:$(PORT)/app/)"
	WUYETONG_EMBEDDED_SCHEDULER=1 $(VENV)/bin/daphne -b 127.0.0.1 -p $(PORT) config.asgi:application

browser:
	@sh scripts/ensure-chromium.sh

test: install browser
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy wuyetong config

check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(VENV)/bin/lint-imports

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) var staticfiles static/vendor
