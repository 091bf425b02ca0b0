# liangxian — two commands set up a fresh Debian 12 machine (as root):
#   make run    set up, then start the counter app on its embedded default (local SQLite, no server)
#   make test   set up, then lint (ruff, mypy) and run the whole test suite
VENV := .venv
PY := $(VENV)/bin/python
DB ?= $(HOME)/.local/share/liangxian/counter.db
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test lint format screenshots bench glossary-sheet clean

setup:
	bash scripts/setup.sh

run: setup
	$(VENV)/bin/liangxian gui --db "$(DB)"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy  # strict on forms/, localdb/, sync/ ([tool.mypy] in pyproject.toml)

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

screenshots: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m desktop.screenshots --out screenshots

bench: setup
	$(PY) -m benchmarks

# the Tibetan review sheet: every glossary term and bo message beside its Chinese (README "Tibetan review")
SHEET ?= glossary-sheet.pdf
glossary-sheet: setup
	$(PY) -m printing.glossary_sheet --out "$(SHEET)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache screenshots
