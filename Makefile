# The two commands a new user runs: `make demo` and `make test`.
# Both build .venv from the committed lock (requirements.lock), so every machine gets the same versions.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

.PHONY: demo test lint install browser lock clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/flowpipe demo

lint: install
	$(BIN)/ruff format --check flowpipe flowpipe_tests benchmarks
	$(BIN)/ruff check flowpipe flowpipe_tests benchmarks
	$(BIN)/sqlfluff lint dbt_like_sql
	$(BIN)/dagster definitions validate -w workspace.yaml
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/dg check defs

# The browser test drives Debian's Chromium and ChromeDriver; install them (as root, or with sudo) if missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		($(SUDO) apt-get update -qq && \
		 $(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver)

test: lint browser
	$(BIN)/pytest -q --numprocesses auto --maxprocesses 4 --dist loadscope flowpipe_tests

# Re-pin every dependency after editing pyproject.toml.
lock: | $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra spark --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) lake .pytest_cache
