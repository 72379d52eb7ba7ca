# Two entry points for people (README): `make demo` and `make test`. Both set up what they need.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup system-deps node-tools demo test test-all lint bench locks

$(BIN)/ai-deploy-ci: pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip sync -q -p $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e .
	touch $@

setup: $(BIN)/ai-deploy-ci

# Two locks from pyproject.toml: requirements.lock (development: runtime + the test extra, what
# `make setup` installs) and requirements-runtime.lock (runtime only, with hashes, at the same
# versions: what the actions install on users' runners, scripts/action-install).
locks: setup
	$(BIN)/uv pip compile -q pyproject.toml --extra test -o requirements.lock --python-version 3.11
	$(BIN)/uv pip compile -q pyproject.toml -c requirements.lock -o requirements-runtime.lock \
	  --python-version 3.11 --generate-hashes

# Prometheus (metric-source tests) and kubectl come from Debian's packages; skipped quietly when
# apt is not usable (the tests that need them then fail loudly, naming the package).
system-deps:
	@scripts/system-deps

node-tools:
	@if [ -f tools/package.json ]; then npm ci --prefix tools --no-audit --no-fund --loglevel=error; fi

demo: setup
	$(BIN)/ai-deploy-ci demo

# The fast default (what CI runs): every test but the long variants marked `slow`, each of which
# has a shorter sibling in the default run. `make test-all` runs them too.
test: setup system-deps node-tools
	$(BIN)/python -m pytest -q --durations=20 -m "not slow"

test-all: setup system-deps node-tools
	$(BIN)/python -m pytest -q --durations=20

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy ai_deploy_ci tests bench
