# Every target installs what it needs into .venv first (and reuses an existing .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODE   ?= workshop
NB     ?=
JOBS   ?= 2

.PHONY: install install-light run bench test test-compat lint sync student slides grade lab clean

# The light environment: what the build tools need without TensorFlow (nav, student edition, slides, grading
# of NumPy-only checkers). Its packages and versions are read from requirements.txt, the one list; a full
# install (.installed newer than requirements.txt) already holds them.
LIGHT_STAMP    := $(VENV)/.installed-light
LIGHT_PACKAGES := numpy|nbformat|nbconvert|jupytext
SUBMISSIONS    ?=
OUT            ?= artifacts/grades

$(LIGHT_STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if [ -f $(STAMP) ] && [ $(STAMP) -nt requirements.txt ]; then echo "light tools: the full environment has them"; \
	else $(BIN)/python -m pip install --quiet --upgrade pip && \
	$(BIN)/python -m pip install --quiet $$(grep -E '^($(LIGHT_PACKAGES))[<>=~! ]' requirements.txt | sed 's/ *#.*//'); fi
	@touch $(LIGHT_STAMP)

install-light: $(LIGHT_STAMP)

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

install: $(STAMP)

## make run [NB=01] [MODE=workshop]: execute notebooks, write artifacts/ and artifacts/report.md
run: install
	$(BIN)/python tools/run_course.py --mode $(MODE) $(if $(NB),--nb $(NB))

## make bench: every notebook in workshop mode (MODE=full for best results); targets in artifacts/report.md
bench: install
	$(BIN)/python tools/run_course.py --mode $(MODE)

## make test: everything CI checks (ruff, utils tests, notebooks under nbval in smoke mode, student
## version, pairing, navigation, slides, simulated Colab start). Prints install and test time apart.
test:
	@t0=$$(date +%s); $(MAKE) --no-print-directory install; echo "install time: $$(( $$(date +%s) - t0 )) s"
	@if [ "$$CI" = "true" ] && ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then \
		t0=$$(date +%s); (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed: the slide rendering test will be skipped"; \
		echo "chromium install time: $$(( $$(date +%s) - t0 )) s"; fi
	@t0=$$(date +%s); \
	$(BIN)/ruff check . && \
	COURSE_MODE=smoke $(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile tests notebooks --nbval-lax; \
	status=$$?; echo "test time: $$(( $$(date +%s) - t0 )) s"; exit $$status

lint: install
	$(BIN)/ruff check .

## make sync: after editing notebooks/*.py, rewrite nav/setup cells and the .ipynb twins
sync: install
	$(BIN)/python tools/nav.py

## make student / make slides: light tools only (no TensorFlow); they read the notebooks, never run them
student: install-light
	$(BIN)/python tools/build_student.py

slides: install-light
	$(BIN)/python tools/build_slides.py

## make grade SUBMISSIONS=folder [OUT=artifacts/grades] [NB=02]: grades.csv and feedback/ per student (README,
## "Grading"). Light tools first; the full environment only when a notebook's checkers import Keras/TensorFlow.
grade: install-light
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [OUT=artifacts/grades] [NB=02]"; exit 2; }
	@$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --light-enough $(if $(NB),--nb $(NB)) || $(MAKE) --no-print-directory install
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --out "$(OUT)" $(if $(NB),--nb $(NB))

## make lab: JupyterLab (listed in requirements.txt) on the course; run as root (a workshop container),
## it passes --allow-root, which Jupyter otherwise demands
lab: install
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

## make test-compat: every notebook in smoke mode at the oldest versions requirements.txt allows (.venv-oldest,
## Python 3.10) and at Colab's versions (.venv-colab, Python 3.12, requirements-colab.txt). Not part of
## `make test`: two more environments (about 3 GB each) and a long run. PYTHON_OLDEST / PYTHON_COLAB pick the
## interpreters; ENV=oldest or ENV=colab runs one, NB=04 one notebook.
test-compat:
	$(PYTHON) tools/test_compat.py $(if $(ENV),--env $(ENV)) $(foreach n,$(NB),--nb $(n))

clean:
	rm -rf artifacts student slides/*.slides.html
