# Two commands do all set-up on a fresh machine:
#   make demo   venv + install + offline Brightway project + the digits study through Airflow
#   make test   venv + install + the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STUDY  ?= digits

.PHONY: benchmark benchmark-runtimes benchmark-lca benchmark-energy benchmark-neighbour benchmark-background benchmark-reassess benchmark-cluster browser install setup demo test test-cluster ui clean-venv cluster cluster-deps cluster-heal cluster-stop

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a looser spec would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

setup: install
	@$(BIN)/lca-ml setup

# One progress line per task and the summary; Airflow's own output goes to var/logs/<study>/.
demo: setup
	@$(BIN)/lca-ml demo $(STUDY)

# The browser tests drive Debian's Chromium (never `playwright install`, which downloads one).
# CI runs as root on a clean machine: install it there; elsewhere say how, and those tests skip.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: $(CHROMIUM) is missing; the browser tests will be skipped (as root: apt-get install chromium)"; fi; \
	fi

# Format, lint and types (mypy; config in pyproject.toml); the suite (the import contracts are checked
# by tests/test_architecture.py), printing the coverage of lca/ (fully covered modules left out); then the cluster integration test (marker
# `cluster`), which starts a whole multi-worker Airflow of its own: PostgreSQL, Redis, two Celery
# workers (about 7 minutes).
test: install browser cluster-deps
	$(BIN)/ruff format --check lca dags plugins tests scripts benchmarks examples
	$(BIN)/ruff check lca dags plugins tests scripts benchmarks examples
	$(BIN)/mypy
	$(BIN)/pytest -m "not cluster" --cov=lca --cov-report=term:skip-covered
	$(BIN)/pytest -m cluster tests/cluster

# Only the cluster test: two studies at once, a worker SIGKILLed mid-benchmark, a task
# cleared, on a throw-away cluster on free ports (tests/cluster/test_cluster_run.py).
test-cluster: cluster-deps
	$(BIN)/pytest -m cluster tests/cluster

# The Airflow UI on http://localhost:8080 with this project's DAGs and report plugin, on the
# metadata database `lca-ml setup`/`demo` use ($LCA_HOME/var/airflow): api-server, scheduler
# (LocalExecutor, 2 task processes) and dag-processor; Ctrl+C stops them all (lca/orchestration/airflow_ui.py).
ui: setup
	@$(BIN)/python -m lca.orchestration.airflow_ui

# Measures CodeCarbon's overhead and each compression method on the digits CNN (a few minutes);
# writes benchmarks/ml_results.md, which the README links to.
benchmark: install
	$(BIN)/python benchmarks/ml_benchmarks.py

# Every digits variant in eager PyTorch, torch.compile and ONNX Runtime, batch 1 and 512, 1 thread and
# all cores (about 5 minutes, most of it compiling); writes benchmarks/runtime_results.md.
benchmark-runtimes: install
	$(BIN)/python benchmarks/runtime_benchmarks.py

# Times the paired Monte Carlo (10 scenarios x 4 categories, 10,000 draws; target <= 30 s) against
# Brightway's own Monte Carlo loops (about a minute); writes benchmarks/lca_results.md.
benchmark-lca: install
	$(BIN)/python benchmarks/lca_monte_carlo.py

# Known work alone and beside a noisy neighbour: attributed energy must agree within 15 %
# (writes benchmarks/energy_results.md; exits non-zero when it does not).
benchmark-energy: install
	$(BIN)/python benchmarks/energy_attribution.py

# `lca-ml demo digits` quiet and beside a busy loop: the attributed energies per item must agree
# within their intervals (issue 18); writes benchmarks/neighbour_results.md.
benchmark-neighbour: setup
	$(BIN)/python benchmarks/neighbour_demo.py

# A multi-worker Airflow on this machine, the topology of docker-compose.yaml: PostgreSQL,
# Redis, api-server, scheduler, dag-processor, triggerer and two Celery workers on loopback
# ports, state under var/cluster/ (scripts/cluster/cluster.py). Idempotent and quick when all
# runs: it starts only what is missing and re-runs the set-up steps (migrations, Brightway)
# only when what they depend on changed. Prints the URL, user and password.
# `make cluster-heal` ends at once the processes a killed service left behind (a SIGKILLed
# worker's task processes); `make cluster-stop` ends exactly what it started.
CLUSTER_STAMP := $(VENV)/.cluster-installed

$(CLUSTER_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev,cluster]'
	touch $(CLUSTER_STAMP)

# Redis from Debian (the PyPI redis-server wheel has no build for Python 3.11); PostgreSQL 15
# comes with the machine image, and from Debian when a fresh machine lacks it. apt-get needs
# root, as on the project's machines and CI.
APT_INSTALL = if [ "$$(id -u)" != 0 ]; then \
	  echo "error: $(1) is missing and installing it needs root: sudo apt-get install $(1)"; exit 1; fi; \
	  echo "installing Debian's $(1)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1)

cluster-deps: $(CLUSTER_STAMP)
	@command -v redis-server >/dev/null || { $(call APT_INSTALL,redis-server); }
	@{ test -x /usr/lib/postgresql/15/bin/initdb && test -x /usr/lib/postgresql/15/bin/pg_ctl; } || \
	 { command -v initdb && command -v pg_ctl; } >/dev/null || { $(call APT_INSTALL,postgresql-15); }

cluster: cluster-deps
	$(BIN)/python scripts/cluster/cluster.py start

cluster-heal:
	$(BIN)/python scripts/cluster/cluster.py heal

cluster-stop:
	$(BIN)/python scripts/cluster/cluster.py stop

# A study linked to a SYNTHETIC ecoinvent-shaped background of 5,000 and 20,000 activities, each figure 3 times
# (an hour or more on 2 cores; run it on a quiet machine); writes benchmarks/lca_background_results.md.
benchmark-background: install
	$(BIN)/python benchmarks/lca_background_scale.py --scipy

# Times `lca-ml reassess digits` against the full run it reuses (target: under 20 %, about 6 minutes);
# writes benchmarks/reassess_results.md.
benchmark-reassess: install
	$(BIN)/python benchmarks/reassess_timing.py

# Wall time of the digits study on the two-worker cluster against `make demo`, and of three
# studies submitted together; writes benchmarks/cluster_results.md.
benchmark-cluster: cluster-deps setup
	$(BIN)/python benchmarks/cluster.py

clean-venv:
	rm -rf $(VENV)
