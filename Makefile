# The workbook's commands. `make lab` and `make test` set everything up themselves.
#
# PYTHON picks the interpreter: a command (python3.12), a path, or a bare version (3.12);
# .ci/find-python also looks where pyenv and CI runners install Pythons. The virtual
# environment is VENV (.venv); it is made again whenever PYTHON's version changes, so
# `make test PYTHON=python3.13` never tests inside a venv of another version. To keep one
# venv per version side by side: `make test PYTHON=3.13 VENV=.venv-3.13` (what .ci/run does).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(shell sh .ci/find-python '$(PYTHON)' 2>/dev/null)
PYVER  := $(if $(PY),$(shell '$(PY)' -c 'import sys; print("%d.%d" % sys.version_info[:2])'),none)
STAMP  := $(VENV)/.funcpipe-installed-$(PYVER)
KERNEL := funcpipe-m08
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: lab test lint typecheck isolation unit notebooks-test notebooks exercises course-files grade gradescope release release-test browser-test demo serve bench mutation clean

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "Python not found: $(PYTHON) does not run. The workbook supports Python 3.11 to 3.13;" \
	  "name one that is installed, e.g.: make $(MAKECMDGOALS) PYTHON=python3.12" >&2; exit 1; }
	@$(PY) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' || \
	  { echo "The workbook supports Python 3.11 to 3.13, and $(PY) is $(PYVER); install one of those" \
	    "(e.g. pyenv install 3.13) and run: make $(MAKECMDGOALS) PYTHON=python3.13" >&2; exit 1; }
	@if [ -e $(VENV) ] && [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$(PYVER)" ]; then \
	  echo "$(VENV) was not made with Python $(PYVER): making it again"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || { echo "$(PY) -m venv $(VENV)"; $(PY) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "FuncPipe M08 (Python 3)" >/dev/null
	@rm -f $(VENV)/.funcpipe-installed*
	@touch $(STAMP)

venv: $(STAMP)

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP) ## Start JupyterLab at the workbook's root on the Core 1 notebook (kernel funcpipe-m08, no news prompts)
	PATH="$(abspath $(BIN)):$$PATH" VIRTUAL_ENV="$(abspath $(VENV))" $(BIN)/python -m funcpipe_rag.tools.lab $(ROOT_FLAG)

test: $(STAMP) lint typecheck isolation unit notebooks-test ## Everything CI checks

lint: $(STAMP)
	$(BIN)/ruff check funcpipe_rag tests $(wildcard bench solutions)

typecheck: $(STAMP)
	$(BIN)/mypy --strict funcpipe_rag

isolation: $(STAMP)
	$(BIN)/funcpipe check-isolation

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q

notebooks-test: $(STAMP)
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then $(BIN)/python -m pytest --nbval notebooks -q -p no:cacheprovider -p funcpipe_rag.tools.nbval_cells --nbval-sanitize-with tests/notebooks/nbval_sanitize.cfg; else echo "no notebooks yet"; fi

notebooks: $(STAMP) ## Re-execute every notebook in place
	$(BIN)/python -m funcpipe_rag.tools.notebooks execute notebooks

exercises: $(STAMP) ## Regenerate exercises/ from solutions/ (add FORCE=1 to overwrite edited files)
	$(BIN)/funcpipe make-exercises $(if $(FORCE),--force,)

course-files: $(STAMP) ## Regenerate the README course map and the grading workflows from funcpipe_rag/course.py
	$(BIN)/python -m funcpipe_rag.tools.course_files write

grade: $(STAMP) ## Grade exercises/ (CORE=m08c01 to pick one)
	$(BIN)/funcpipe grade $(CORE)

RELEASE ?= build/release

release: $(STAMP) ## Write the learner's copy to RELEASE (build/release): no solutions, no hidden tests, stubs
	$(BIN)/funcpipe release $(RELEASE) --replace

release-test: release ## Run the learner's copy's own `make test` on it (with this venv; not part of make test)
	PYTHONPATH="$(abspath $(RELEASE))" $(MAKE) -C $(RELEASE) test VENV="$(abspath $(VENV))" PYTHON="$(PY)"

gradescope: $(STAMP) ## Build the Gradescope autograder zip
	$(BIN)/funcpipe gradescope-zip --output dist/autograder.zip

demo: $(STAMP) ## Run the instructor demos against the local service and SQLite
	$(BIN)/funcpipe demo user 1
	$(BIN)/funcpipe demo rag
	$(BIN)/funcpipe demo capstone

serve: $(STAMP)
	$(BIN)/funcpipe serve

bench: $(STAMP) ## Benchmarks (never part of make test)
	$(BIN)/python -m bench

BROWSER_STAMP := $(VENV)/.funcpipe-browser-installed
$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,browser]'
	@touch $(BROWSER_STAMP)

CHROMIUM ?= /usr/bin/chromium

browser-test: $(BROWSER_STAMP) ## Every notebook with Run All in JupyterLab in a real Chromium (never part of make test)
	@if [ -x "$(CHROMIUM)" ]; then \
	  FUNCPIPE_BROWSER_TEST=1 FUNCPIPE_CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest tests/browser -q -p no:cacheprovider; \
	else echo "browser-test: SKIPPED: no Chromium at $(CHROMIUM) (apt-get install chromium, or make browser-test CHROMIUM=...)"; fi

MUTATION_STAMP := $(VENV)/.funcpipe-mutation-installed
$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	@touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP) ## Mutation testing of the graded tests (CORE=m08c01; never part of make test)
	$(BIN)/python -m funcpipe_rag.tools.mutation $(or $(CORE),m08c01) --readme

clean:
	rm -rf $(VENV) .venv-3.* build dist *.egg-info .mypy_cache .ruff_cache .hypothesis
