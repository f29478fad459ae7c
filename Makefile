# policy-corpus: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RAW ?= corpus/raw
OUT ?= corpus/processed
SHARED ?= ../shared/data
JOBS ?= 1

.PHONY: help corpus test eval bench genre-model line-model clean venv

help:  ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml pipeline/_speedups.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e '.[dev]'
	@$(BIN)/python -c 'import pipeline._speedups' 2>/dev/null || echo 'warning: pipeline/_speedups.c was not built (no C compiler?): the segment stage uses its slower Python table' >&2
	@touch $(STAMP)

venv: $(STAMP)  ## create .venv and install the package (done by every target)

corpus: $(STAMP)  ## build corpus/raw into corpus/processed (tables, topics, comparisons)
	$(BIN)/policy-corpus corpus --raw $(RAW) --out $(OUT) --jobs $(JOBS)

test: $(STAMP)  ## run the test suite (no ../shared needed)
	$(BIN)/python -m pytest -q

eval: $(STAMP)  ## quality figures on ../shared/data -> reports/eval.json (fails below pinned floors)
	$(BIN)/python -m pipeline.evaluation --data $(SHARED) --out reports/eval.json

bench: $(STAMP)  ## speed and memory ratios on ../shared/data -> reports/bench.json
	$(BIN)/python -m pipeline.benchmark --data $(SHARED) --out reports/bench.json

genre-model: $(STAMP)  ## retrain the shipped genre model in models/genre from ../shared/data
	$(BIN)/python -m pipeline.genre.training --data $(SHARED) --out models/genre

line-model: $(STAMP)  ## retrain the shipped line model in models/lines from ../shared/data (fanwen pages + sample page)
	$(BIN)/python -m pipeline.clean.line_training --data $(SHARED) --out models/lines

clean:  ## remove built tables, caches and reports (keeps .venv)
	rm -rf corpus/interim corpus/processed reports/*.json reports/figures
