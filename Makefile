# Shortcuts for working on voxbind (run ./setup.sh first).
.PHONY: docs docs-build test lint typecheck

docs:  ## serve the documentation site at http://127.0.0.1:8000, rebuilt on every change
	.venv/bin/mkdocs serve

docs-build:  ## build the site into site/, failing on any warning (a broken link or reference)
	.venv/bin/mkdocs build --strict

test:
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check src tests benchmarks scripts docs
	.venv/bin/ruff format --check src tests benchmarks scripts docs

typecheck:
	.venv/bin/mypy
