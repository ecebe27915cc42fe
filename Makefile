# goldpipe developer entry points. `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Where goldpipe/lakehouse/jars.py and scripts/fetch-jars.sh look too: $XDG_CACHE_HOME is honoured.
export GOLDPIPE_JARS ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/goldpipe/jars

.PHONY: setup venv jars tools images cluster cluster-down demo test e2e node lint format bench docs clean

setup: venv jars

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

jars:
	scripts/fetch-jars.sh --all

# helm, kubeconform, the control plane and the real node (kubelet, kube-proxy, CoreDNS), the
# production-profile tier's SeaweedFS, pinned in tools/, built from the Go module proxy into
# ~/.cache/goldpipe/tools (once per version) and linked from .tools/, with the Prometheus
# Operator's CRDs; the Debian packages of the image builds, the node and the monitoring tests
# (buildah, mmdebstrap, containerd, runc, CNI plugins, Prometheus: installed when missing); and
# the production-profile tier's Iceberg REST catalog server, the jars of
# tools/iceberg-rest/jars.lock in ~/.cache/goldpipe/iceberg-rest.
tools:
	scripts/install-packages.sh
	scripts/install-tools.sh
	scripts/fetch-rest-catalog.sh

# goldpipe's images (base, spark, controller, operator), daemonless with buildah, cached by
# content, saved as OCI archives in ~/.cache/goldpipe/images (scripts/build-images.sh).
images: setup
	scripts/build-images.sh

# A real single-node Kubernetes cluster on this machine (needs root): the pinned control plane,
# a kubelet on containerd and runc, CNI bridge networking, kube-proxy, CoreDNS, volumes for
# claims, the images imported. Admin kubeconfig: .cluster/kubeconfig. Idempotent.
cluster: images
	scripts/install-packages.sh node
	scripts/install-tools.sh chart control-plane node
	$(BIN)/python -m localcluster up

# Stop every process of the cluster by pid; remove its bridge, iptables rules, mounts, cgroups.
cluster-down:
	$(BIN)/python -m localcluster down

# The embedded demo: 3 days of synthetic silver, every gold job for each day, the summary.
demo: setup
	@SECONDS=0; \
	$(BIN)/goldpipe seed --days 3 --replace; \
	$(BIN)/goldpipe run-local --date "$$($(BIN)/goldpipe seed --print-range --days 3)"; \
	$(BIN)/goldpipe show daily_sales_summary; \
	echo "make demo: seed, run-local and show took $${SECONDS}s (set-up not counted)"

# The tools and the images are built side by side: the Go builds keep both cores busy, the image
# build mostly waits for downloads and disks (on a machine with empty caches that saves minutes).
test: setup
	$(MAKE) --no-print-directory -j2 tools images
	$(BIN)/python -m pytest

# Only the end-to-end tier: goldpipe on a real Kubernetes control plane (tests/e2e).
e2e: setup tools
	$(BIN)/python -m pytest tests/e2e

# Only the node tier: goldpipe on a real single-node cluster, its own (tests/node).
node: setup
	$(MAKE) --no-print-directory -j2 tools images
	$(BIN)/python -m pytest tests/node

# Only the virtualenv: the jars are for running Spark, not for reading the code.
lint: venv
	$(BIN)/ruff check goldpipe spark_apps localcluster tests benchmarks
	$(BIN)/ruff format --check goldpipe spark_apps localcluster tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff format goldpipe spark_apps localcluster tests benchmarks
	$(BIN)/ruff check --fix goldpipe spark_apps localcluster tests benchmarks

bench: setup tools
	$(BIN)/python benchmarks/run.py --json benchmarks/results.json
	$(BIN)/python benchmarks/checks.py --json benchmarks/results-checks.json
	$(BIN)/python benchmarks/controlplane.py --json benchmarks/results-controlplane.json

# docs/values.md from the `# --` comments of values.yaml (tests/chart/test_values_docs.py runs
# this same helm-docs command); values.schema.json's descriptions from the same comments. Only
# the chart's tools: `tools` would also build the control plane, the node and SeaweedFS.
docs: venv
	scripts/install-tools.sh chart
	$(BIN)/python scripts/gen-values-schema.py
	.tools/bin/helm-docs --chart-to-generate . --sort-values-order file --template-files docs/values.md.gotmpl --output-file docs/values.md

clean:
	rm -rf $(VENV) .goldpipe .images .pytest_cache .mypy_cache .ruff_cache
