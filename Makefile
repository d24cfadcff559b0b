# The two set-up commands of the README: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
VENV := .venv
UV := .tools/bin/uv
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# dbt and dagster from the project's environment, also for dagster-dbt's own `dbt parse`.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: run test lint dev samples bench clean system-packages system-packages-check messages

$(UV): | system-packages
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

# Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set, every process would otherwise
# compile dagster, dbt and Great Expectations from source again (seconds each).
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

# Debian packages, each with the test that shows it is there: `make` asks apt only for those
# whose test fails, so it never asks for one the machine already has in another form. Chromium
# prints the review's PDF, poppler turns PDF pages into images for the tests, PostgreSQL is the
# second warehouse engine (the tests start their own server), python3-venv lets Debian's python3
# make the virtual environments. Never Debian's npm: it conflicts with Node.js from NodeSource,
# which carries its own (apt then installs nothing at all). `.ci/run` simulates installing every
# package of this list (`make system-packages-check`), so a package apt would refuse fails CI
# even on a machine that has them all.
define DEBIAN_PACKAGES
chromium           command -v chromium
poppler-utils      command -v pdftoppm
postgresql         test -x /usr/lib/postgresql/15/bin/initdb
fonts-dejavu-core  test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
python3-venv       python3 -c 'import ensurepip, venv'
endef
export DEBIAN_PACKAGES
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
APT_INSTALL := install -y -qq --no-install-recommends

system-packages:
	@missing=$$(while read -r package test; do \
		bash -c "$$test" >/dev/null 2>&1 || echo "$$package"; done <<< "$$DEBIAN_PACKAGES"); \
	if [ -n "$$missing" ]; then \
		echo "installing the Debian packages" $$missing; \
		$(APT_GET) update -qq && $(APT_GET) $(APT_INSTALL) $$missing >/dev/null; \
	fi

system-packages-check:  ## fails when apt would refuse a package system-packages may ask for
	@packages=$$(cut -d' ' -f1 <<< "$$DEBIAN_PACKAGES"); \
	$(APT_GET) update -qq && $(APT_GET) $(APT_INSTALL) --simulate $$packages >/dev/null \
		&& echo "apt would install:" $$packages

# The scripts and styles of Great Expectations' Data Docs, served beside the docs so that they
# show offline (serving/data_docs.py); from the npm registry, pinned by the lock file.
DATA_DOCS_ASSETS := serving/datadocs/node_modules/.package-lock.json
$(DATA_DOCS_ASSETS): serving/datadocs/package.json serving/datadocs/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20 with its own npm" \
		"(NodeSource, https://github.com/nodesource/distributions), not Debian's npm"; exit 1; }
	cd serving/datadocs && npm ci --no-audit --no-fund --ignore-scripts --silent

# dbt's manifest is made at build time, not parsed each time the definitions load. First, what
# dbt takes from the seeds but cannot read when it parses (contracts/dbt_lists.py).
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print)
$(MANIFEST): $(VENV)/.synced $(DBT_SOURCES)
	$(VENV)/bin/python -m contracts.dbt_lists
	$(VENV)/bin/dbt parse --project-dir dbt_project --profiles-dir dbt_project --quiet

# `kinerja refresh` exits 0 (published), 1 (published; some files refused, listed above), 2 (not
# published) or 75 (another refresh is writing). After a publish make renders the reviews and
# exits 0, saying when files were refused; a scheduler that must tell 0 from 1 calls
# `kinerja refresh` itself (docs/operations.md).
run: system-packages $(VENV)/.synced $(MANIFEST) $(DATA_DOCS_ASSETS)  ## install, refresh, release, review
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

# The Dagster instance of DAGSTER_HOME (SQLite, or PostgreSQL with DAGSTER_PG_HOST) is decided in
# orchestration/instance.py, for make, `kinerja serve` and `kinerja refresh` alike.
dev: $(VENV)/.synced $(MANIFEST) $(DATA_DOCS_ASSETS)  ## the Dagster UI on http://127.0.0.1:3000
	$(VENV)/bin/python -m orchestration.instance
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
