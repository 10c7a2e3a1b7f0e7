# The workbook's commands. `make lab` and `make test` set everything up themselves.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.funcpipe-installed
KERNEL := funcpipe-m08
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: lab test lint typecheck isolation unit notebooks-test notebooks exercises course-files grade gradescope demo serve bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "The workbook needs Python 3.11 or newer; try: make $(MAKECMDGOALS) PYTHON=python3.12" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "FuncPipe M08 (Python 3)" >/dev/null
	@touch $(STAMP)

venv: $(STAMP)

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP) ## Start JupyterLab on notebooks/ with the workbook's kernel
	PATH="$(abspath $(BIN)):$$PATH" VIRTUAL_ENV="$(abspath $(VENV))" $(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

test: $(STAMP) lint typecheck isolation unit notebooks-test ## Everything CI checks

lint: $(STAMP)
	$(BIN)/ruff check funcpipe_rag tests bench solutions

typecheck: $(STAMP)
	$(BIN)/mypy --strict funcpipe_rag

isolation: $(STAMP)
	$(BIN)/funcpipe check-isolation

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q

notebooks-test: $(STAMP)
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then $(BIN)/python -m pytest --nbval notebooks -q -p no:cacheprovider; else echo "no notebooks yet"; fi

notebooks: $(STAMP) ## Re-execute every notebook in place
	$(BIN)/python -m funcpipe_rag.tools.notebooks execute notebooks

exercises: $(STAMP) ## Regenerate exercises/ from solutions/ (add FORCE=1 to overwrite edited files)
	$(BIN)/funcpipe make-exercises $(if $(FORCE),--force,)

course-files: $(STAMP) ## Regenerate the README course map and the Classroom files from funcpipe_rag/course.py
	$(BIN)/python -m funcpipe_rag.tools.course_files write

grade: $(STAMP) ## Grade exercises/ (CORE=m08c01 to pick one)
	$(BIN)/funcpipe grade $(CORE)

gradescope: $(STAMP) ## Build the Gradescope autograder zip
	$(BIN)/funcpipe gradescope-zip --output dist/autograder.zip

demo: $(STAMP) ## Run the instructor demos against the local service and SQLite
	$(BIN)/funcpipe demo user 1
	$(BIN)/funcpipe demo rag

serve: $(STAMP)
	$(BIN)/funcpipe serve

bench: $(STAMP) ## Benchmarks (never part of make test)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .hypothesis
