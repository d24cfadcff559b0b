# The two set-up commands of the README: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
VENV := .venv
UV := .tools/bin/uv
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# dbt and dagster from the project's environment, also for dagster-dbt's own `dbt parse`.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: run test lint dev samples bench clean system-packages messages

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

# Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set, every process would otherwise
# compile dagster, dbt and Great Expectations from source again (seconds each).
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

# Debian packages: Chromium prints the review's PDF, poppler turns PDF pages into images for the
# tests, PostgreSQL is the second warehouse engine (the tests start their own server).
system-packages:
	@if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null \
		|| [ ! -x /usr/lib/postgresql/15/bin/initdb ] || ! command -v npm >/dev/null; then \
		echo "installing chromium, poppler-utils, postgresql and npm (Debian packages)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium poppler-utils postgresql npm >/dev/null; \
	fi

# The scripts and styles of Great Expectations' Data Docs, served beside the docs so that they
# show offline (serving/data_docs.py); from the npm registry, pinned by the lock file.
DATA_DOCS_ASSETS := serving/datadocs/node_modules/.package-lock.json
$(DATA_DOCS_ASSETS): serving/datadocs/package.json serving/datadocs/package-lock.json | system-packages
	cd serving/datadocs && npm ci --no-audit --no-fund --ignore-scripts --silent

# dbt's manifest is made at build time, not parsed each time the definitions load. First, what
# dbt takes from the seeds but cannot read when it parses (contracts/dbt_lists.py).
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print)
$(MANIFEST): $(VENV)/.synced $(DBT_SOURCES)
	$(VENV)/bin/python -m contracts.dbt_lists
	$(VENV)/bin/dbt parse --project-dir dbt_project --profiles-dir dbt_project --quiet

# SQLite storage under DAGSTER_HOME by default; PostgreSQL when DAGSTER_PG_HOST is set.
INSTANCE_CONFIG := $(if $(DAGSTER_PG_HOST),dagster.postgres.yaml,dagster.yaml)
.PHONY: $(DAGSTER_HOME)/dagster.yaml
$(DAGSTER_HOME)/dagster.yaml:
	mkdir -p $(DAGSTER_HOME)
	cp $(INSTANCE_CONFIG) $@

# `kinerja refresh` exits 0 (published), 1 (published; some files refused, listed above) or 2 (not
# published). After a publish make renders the reviews and exits 0, saying when files were
# refused; a scheduler that must tell 0 from 1 calls `kinerja refresh` itself (docs/operations.md).
run: system-packages $(VENV)/.synced $(MANIFEST) $(DATA_DOCS_ASSETS) $(DAGSTER_HOME)/dagster.yaml  ## install, refresh, release, review
	@status=0; $(VENV)/bin/kinerja refresh || status=$$?; \
	if [ $$status -ge 2 ]; then echo "make run: NOT published (kinerja refresh exited $$status)"; exit $$status; fi; \
	$(VENV)/bin/kinerja release || exit $$?; \
	$(VENV)/bin/kinerja report || exit $$?; \
	if [ $$status -eq 1 ]; then echo "make run: published; some files were refused (listed above)"; fi

# Two workers (this machine has two cores); a test module stays on one worker, so that the
# refreshes its fixtures share are made once.
test: system-packages $(VENV)/.synced $(MANIFEST) $(DATA_DOCS_ASSETS) lint  ## install, lint, then run every test
	$(VENV)/bin/pytest -n 2 --dist loadfile

lint: $(VENV)/.synced $(MANIFEST)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	KINERJA_WORKING_WAREHOUSE=:memory: $(VENV)/bin/sqlfluff lint --disable-progress-bar dbt_project/models dbt_project/tests

dev: $(VENV)/.synced $(MANIFEST) $(DATA_DOCS_ASSETS) $(DAGSTER_HOME)/dagster.yaml  ## the Dagster UI on http://127.0.0.1:3000
	$(VENV)/bin/dagster dev -m orchestration.definitions

# The refresh at a size (small, province, national) against the floor: docs/benchmarks.md.
SIZE ?= small
bench: $(VENV)/.synced $(MANIFEST)  ## time the refresh at SIZE against the DuckDB floor
	$(VENV)/bin/python bench/run.py $(SIZE) --target $(or $(TARGET),duckdb)

# The Indonesian catalog gains the messages new in the code (said("...") in contracts/, ingest/ and reports/);
# translate the new entries of the .po, the tests fail while one is left.
CATALOG := contracts/locale/id/LC_MESSAGES/kinerja.po
messages: $(VENV)/.synced  ## add the code's new messages to the Indonesian catalog
	mkdir -p warehouse
	$(VENV)/bin/pybabel extract --no-default-keywords -k said --no-location --sort-output \
		-o warehouse/kinerja.pot contracts ingest reports
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete --width 100 \
		-i warehouse/kinerja.pot -o $(CATALOG) -l id

samples: $(VENV)/.synced  ## regenerate data/samples
	$(VENV)/bin/python data/make_samples.py

clean:
	rm -rf warehouse $(DAGSTER_HOME)
