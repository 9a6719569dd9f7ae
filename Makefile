# Motors Meetup Analytics: the README's commands.
#   make run   - install what is missing, then build the warehouse from the sample
#   make test  - install what is missing, then run the test suite
PYTHON ?= python3
PIP := $(PYTHON) -m pip
STAMP := .make/installed
export KEDRO_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1
export SPARK_LOCAL_IP ?= 127.0.0.1
# pytest-xdist workers for `make test` (each its own Spark); 0 runs the suite serially.
TEST_WORKERS ?= 2

.PHONY: install ensure run test lint format viz viz-build docs sample maintain clean-warehouse

# Full from-scratch install into the active Python environment.
install:
	$(PIP) install --disable-pip-version-check -e ".[local,dev,viz,notebook]"
	PYTHON=$(PYTHON) scripts/fetch_delta_jars.sh
	scripts/install_browser.sh
	@mkdir -p .make && touch $(STAMP)

# Re-install when the dependencies change; the jar check is cheap, so always run it.
$(STAMP): pyproject.toml
	$(MAKE) install

ensure: $(STAMP)
	@PYTHON=$(PYTHON) scripts/fetch_delta_jars.sh >/dev/null

run: ensure
	kedro run

test: ensure
	$(PYTHON) -m pytest -n $(TEST_WORKERS)

lint: ensure
	ruff check src tests
	ruff format --check src tests

format:
	ruff format src tests
	ruff check --fix src tests

viz: ensure
	kedro viz run

viz-build: ensure
	kedro viz build

sample: ensure
	$(PYTHON) -m motors_meetup.sample_data --out data/01_raw --seed 42

# OPTIMIZE + VACUUM every stored table (retention: conf/base/parameters_maintenance.yml).
maintain: ensure
	kedro run --pipelines maintenance

clean-warehouse:
	rm -rf data/warehouse

# Static docs: kedro-viz site with previews + data dictionary, into build/.
docs: ensure
	$(PYTHON) -m motors_meetup.docs.data_dictionary --out build --viz-stats
	kedro viz build --include-previews
