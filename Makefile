# One command each: `make demo` installs and runs the main job, `make test` installs and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint clean

$(BIN)/flowaudit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/flowaudit

demo: install
	$(BIN)/flowaudit trace "credit card number" examples/plimus/policy.md
	$(BIN)/flowaudit audit examples/plimus/policy.md examples/plimus/evidence/* --summary

lint: install
	$(BIN)/ruff check .

test: install lint
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
