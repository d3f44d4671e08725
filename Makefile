# eportal: `make run` starts everything with demo data; `make test` runs the whole suite.
# Both work on a fresh clone: they install what is missing first (Python packages through uv and
# its lock file, the Kafka jars through Maven, the web client through npm).
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11
KAFKA_LIBS := deploy/local/kafka/target/libs
# ID-porten's local stand-in for make run and make test: NAV's mock-oauth2-server, from its Maven Central jars.
IDPORTEN_LIBS := deploy/local/idporten/target/libs
# kustomize renders deploy/k8s in the tests: built from its Go module (no prebuilt binary to download).
KUSTOMIZE_VERSION := v5.8.1
KUSTOMIZE := $(TOOLS)/bin/kustomize
KUSTOMIZE_STAMP := $(TOOLS)/.kustomize-$(KUSTOMIZE_VERSION)
# promtool unit-tests the alert rules in make test (Prometheus v3.16 is Go module version v0.316.0).
PROMTOOL_VERSION := v0.316.0
PROMTOOL_STAMP := $(TOOLS)/.promtool-$(PROMTOOL_VERSION)
# Jaeger all-in-one for make run's traces (memory storage); its Go module's version, as in deploy/local/jaeger/go.mod.
JAEGER_VERSION := v1.76.0
JAEGER_STAMP := $(TOOLS)/.jaeger-$(JAEGER_VERSION)
# make backup / make restore: the local stack's databases (deploy/local/backup.py); BACKUP=<folder> to restore one.
BACKUP ?=

.PHONY: help install run stop status test test-fast lint typecheck asyncapi bench profile chaos clean kustomize \
	promtool jaeger backup restore web-test

help:
	@echo "make run        start the whole system with demo data (Ctrl-C stops it)"
	@echo "make test       lint, types and the whole test suite on real Kafka and PostgreSQL"
	@echo "make test-fast  the fast tests only: no database, broker, cluster tools or browser (under a minute)"
	@echo "make stop       stop what a detached run left (services, PostgreSQL, Kafka)"
	@echo "make asyncapi   write the AsyncAPI document of every topic (contracts/asyncapi.json)"
	@echo "make status     is the local stack up?"
	@echo "make backup     a backup of make run's databases (pg_dump of each) into .local/backups/"
	@echo "make restore    the newest backup (or BACKUP=<folder>) into make run's PostgreSQL; stop make run first"
	@echo "make bench     the benchmarks of bench/run.py (BENCH_SCALE=0.1 for a quick one); results in bench/results/"
	@echo "make chaos      10,000 commands while the broker, services and database are killed; then every"
	@echo "                invariant, and the API fuzzed with 100 examples per operation"

$(UV):
	@echo "[install] uv $(UV_VERSION) into $(TOOLS)/"
	@python3 -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml kit/pyproject.toml contracts/pyproject.toml $(wildcard services/*/pyproject.toml)
	@echo "[install] Python packages from uv.lock"
	@$(UV) sync --frozen --all-packages
	@touch $@

$(KAFKA_LIBS)/.done: deploy/local/kafka/pom.xml
	@echo "[install] Apache Kafka jars from Maven Central"
	@mvn -q -B -f deploy/local/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory=target/libs -DincludeScope=runtime
	@touch $@

$(IDPORTEN_LIBS)/.done: deploy/local/idporten/pom.xml
	@echo "[install] NAV's mock-oauth2-server jars from Maven Central (ID-porten's local stand-in)"
	@mvn -q -B -f deploy/local/idporten/pom.xml dependency:copy-dependencies -DoutputDirectory=target/libs -DincludeScope=runtime
	@touch $@

# The web client (web/): npm ci when the lock file changes, a build when any source changes.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json web/vite.config.ts web/tsconfig.json
web/node_modules/.ci-done: web/package-lock.json
	@echo "[install] web client packages (npm ci)"
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.ci-done $(WEB_SOURCES)
	@echo "[install] web client build (vite)"
	@cd web && npm run --silent build

# The browser tests drive Debian's Chromium (never a browser a test tool downloads). Without root or the
# package the browser tests skip and say why; nothing else depends on it.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "[install] Debian's chromium for the browser tests (apt-get)"
	@(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >/dev/null \
		|| echo "[install] chromium could not be installed: tests/browser will skip"

web-test: web/dist/index.html
	@echo "[test] web client unit tests (vitest)"
	@cd web && npm test --silent

install: $(VENV)/.synced $(KAFKA_LIBS)/.done $(IDPORTEN_LIBS)/.done web/dist/index.html

$(KUSTOMIZE_STAMP):
	@echo "[install] kustomize $(KUSTOMIZE_VERSION) into $(TOOLS)/bin (go install, from the Go module proxy)"
	@mkdir -p $(TOOLS)/bin
	@GOBIN=$(abspath $(TOOLS)/bin) GOTOOLCHAIN=local GOFLAGS= go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	@touch $@

kustomize: $(KUSTOMIZE_STAMP)

$(PROMTOOL_STAMP):
	@echo "[install] promtool $(PROMTOOL_VERSION) into $(TOOLS)/bin (go install, from the Go module proxy)"
	@mkdir -p $(TOOLS)/bin
	@GOBIN=$(abspath $(TOOLS)/bin) GOTOOLCHAIN=local GOFLAGS= go install github.com/prometheus/prometheus/cmd/promtool@$(PROMTOOL_VERSION)
	@touch $@

promtool: $(PROMTOOL_STAMP)

# Built in a module of its own (deploy/local/jaeger/go.mod pins the version and repeats Jaeger's replace
# directive, which go install ...@version refuses). The Go module carries no web UI: the query API serves.
$(JAEGER_STAMP): deploy/local/jaeger/go.mod deploy/local/jaeger/go.sum
	@echo "[install] jaeger $(JAEGER_VERSION) into $(TOOLS)/bin (go build, from the Go module proxy; minutes, once)"
	@mkdir -p $(TOOLS)/bin
	@cd deploy/local/jaeger && GOTOOLCHAIN=local GOFLAGS= go build -o $(abspath $(TOOLS)/bin/jaeger) github.com/jaegertracing/jaeger/cmd/jaeger
	@touch $@

jaeger: $(JAEGER_STAMP)

run: install $(JAEGER_STAMP)
	@$(PY) deploy/local/run.py

backup: install
	@$(PY) deploy/local/backup.py backup run

restore: install
	@$(PY) deploy/local/backup.py restore run $(BACKUP)

stop:
	@python3 deploy/local/run.py --stop || python3 deploy/local/stack.py stop run
	@python3 deploy/local/stack.py stop test

status:
	@python3 deploy/local/stack.py status run

lint: install
	@echo "[test] ruff"
	@$(VENV)/bin/ruff check .

typecheck: install
	@echo "[test] mypy"
	@$(VENV)/bin/mypy $(foreach p,kit contracts identity booking prescription econsult billing notify gateway,-p $(p))

test: lint typecheck $(KUSTOMIZE_STAMP) $(PROMTOOL_STAMP) web-test $(CHROMIUM)
	@echo "[test] pytest (starts the test instance of PostgreSQL and Kafka if it is not running)"
	@$(VENV)/bin/pytest

# The fast tier: no database, broker, cluster tools or browser; under a minute.
test-fast: install
	@$(VENV)/bin/pytest -q -m "not stack and not deploy and not browser"

asyncapi: install
	@$(PY) -m contracts.asyncapi contracts/asyncapi.json

# On a stack instance of its own (PostgreSQL 55438, Kafka 59692), so make run and make test do not disturb it.
bench: install
	@$(PY) -m bench.run

# Its own stack instance (PostgreSQL 55436, Kafka 59492): the kills never touch make run's or make test's.
chaos: install
	@$(PY) -m tests.chaos.run --commands 10000 --kills 3
	@EPORTAL_FUZZ_EXAMPLES=100 $(VENV)/bin/pytest -q tests/fuzz

clean:
	rm -rf $(VENV) $(TOOLS) .local .mypy_cache .ruff_cache .pytest_cache

# Where a request's CPU goes: py-spy samples the gateway, identity and booking under the traffic mix of
# make bench (its stack instance), by library and by function (bench/results/<date>-profile.md).
profile: install
	@$(PY) -m bench.profile
