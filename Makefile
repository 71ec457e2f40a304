# scrawl: `make run` builds and serves on http://127.0.0.1:3000, `make test`
# runs every test. Both install what is missing first and skip what is there.

SHELL := /bin/bash
CARGO_LEPTOS_VERSION := 0.3.10
# The wasm-bindgen CLI must match the crate version locked in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/version = "\(.*\)"/\1/p}' Cargo.lock)
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test test-rust test-e2e cluster-test build tools wasm-target cargo-leptos wasm-bindgen-cli npm-packages chromium bench bench-smoke \
	image image-rootfs image-test release musl-target podman

run: tools
	cargo leptos serve --release

test: tools chromium test-rust build test-e2e bench-smoke

test-rust:
	cargo test --features ssr,native-client
	cargo test --features ssr,native-client --benches

build: tools
	cargo leptos build --release

test-e2e: npm-packages chromium
	cd end2end && npx playwright test

tools: wasm-target cargo-leptos wasm-bindgen-cli npm-packages

# PostgreSQL and nginx as plain processes in a temporary folder (installed
# with apt-get if missing; end2end/cluster/engines.sh), then: the storage
# and server suites on PostgreSQL, and three nodes behind nginx
# (tests/cluster.rs). The tests that read the SQLite file itself are skipped
# on PostgreSQL. Everything started is stopped afterwards.
PG_SKIP := --skip a_deleted_board_is_gone_from_sqlite --skip expire_after_deletes_idle_boards_only \
	--skip the_operator_ --skip the_operators_new_links --skip acked_changes_are_committed_before_the_ack \
	--skip an_online_backup --skip a_private_board_keeps_its_past_private --skip boards_from_before_the_log \
	--skip compaction_keeps_the_present --skip history_days_folds --skip healthcheck_command \
	--skip the_same_image_is_stored_once --skip a_full_disk --skip a_shutdown_that_cannot_commit
cluster-test:
	@engines=$$(mktemp -d /tmp/scrawl-engines.XXXXXX) && chmod 755 $$engines && \
	trap "end2end/cluster/engines.sh stop $$engines; rm -rf $$engines" EXIT && \
	end2end/cluster/engines.sh start $$engines && set -a && . $$engines/env && set +a && \
	SCRAWL_CLUSTER_ENGINES=$$engines cargo test --features ssr,native-client -- $(PG_SKIP) && \
	SCRAWL_CLUSTER_ENGINES=$$engines cargo test --features ssr,native-client --test cluster -- --ignored --test-threads=1 --nocapture

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

cargo-leptos:
	@cargo leptos --version 2>/dev/null | grep -q " $(CARGO_LEPTOS_VERSION)$$" || cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked

wasm-bindgen-cli:
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

# Playwright, socket.io-client for the protocol test, and binaryen's wasm-opt for release builds.
npm-packages:
	@[ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ] || (cd end2end && npm ci --no-audit --no-fund)

# The load scenarios of docs/BENCHMARKS.md against a fresh release server,
# then the first-paint benchmark. Figures only; nothing is asserted.
bench: build
	cargo build --release --features ssr,native-client --bin scrawl-bench
	end2end/bench/scrawl-bench.sh relay --clients 20 --seconds 10
	end2end/bench/scrawl-bench.sh relay --clients 50 --seconds 10
	end2end/bench/scrawl-bench.sh relay --clients 100 --seconds 10
	end2end/bench/scrawl-bench.sh relay --clients 200 --boards 50 --seconds 10
	end2end/bench/scrawl-bench.sh join --points 1000000
	end2end/bench/scrawl-bench.sh history --points 1000000
	end2end/bench/scrawl-bench.sh persist --seconds 10
	end2end/bench/scrawl-bench.sh persist --clients 1 --window 1000 --batch 16 --seconds 2
	end2end/bench/scrawl-bench.sh idle --connections 19000 --seconds 32
	node end2end/bench/first-paint.js
	node end2end/bench/join.js 1000000
	node end2end/bench/scrub.js 1000000

# A few seconds of every scenario with the debug build `cargo test` made, so
# the tool never rots; it fails only if a scenario cannot run.
bench-smoke: build
	cargo build --features ssr,native-client --bin scrawl-bench
	BENCH=target/debug/scrawl-bench end2end/bench/scrawl-bench.sh all --seconds 2 --clients 4 --points 20000 --connections 200

chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# The container image (see Containerfile): a static musl server and the site,
# FROM scratch. `image-rootfs` lays out its files; `image` packs them with
# podman without pulling any base image; `image-test` runs it for real.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# cargo-leptos bakes the site's output name into the server; plain cargo needs it given.
OUTPUT_NAME := $(shell sed -n 's/^output-name = "\(.*\)"/\1/p' Cargo.toml)
IMAGE := scrawl:$(VERSION)
MUSL := x86_64-unknown-linux-musl
ROOTFS := target/image/rootfs
DIST := target/dist

image-rootfs: tools musl-target
	cargo leptos build --release --frontend-only
	LEPTOS_OUTPUT_NAME=$(OUTPUT_NAME) cargo build --release --target $(MUSL) --features ssr --bin scrawl \
		--config 'profile.release.strip="symbols"'
	rm -rf $(ROOTFS) && mkdir -p $(ROOTFS)/app $(ROOTFS)/volume/data
	cp target/$(MUSL)/release/scrawl $(ROOTFS)/app/scrawl
	cp -r target/site $(ROOTFS)/app/site

image: image-rootfs podman
	podman build --format docker --build-arg APP=prebuilt -f Containerfile -t $(IMAGE) $(ROOTFS)
	@podman image inspect $(IMAGE) --format 'image $(IMAGE): {{.Size}} bytes'

# A release of this version: the static binary with its site folder as a
# tarball, and the image as an OCI archive (`docker load -i`).
release: image
	mkdir -p $(DIST)
	tar -C $(ROOTFS)/app --transform 's,^,scrawl-$(VERSION)/,' -czf $(DIST)/scrawl-$(VERSION)-$(MUSL).tar.gz scrawl site
	rm -f $(DIST)/scrawl-$(VERSION)-image.tar
	podman save --format oci-archive -o $(DIST)/scrawl-$(VERSION)-image.tar $(IMAGE)
	@ls -l $(DIST)

image-test: image
	SCRAWL_IMAGE=$(IMAGE) cargo test --features ssr,native-client --test image -- --ignored --nocapture

musl-target:
	@rustup target list --installed | grep -qx $(MUSL) || rustup target add $(MUSL)
	@command -v musl-gcc >/dev/null || (apt-get update && apt-get install -y musl-tools)

podman:
	@command -v podman >/dev/null || (apt-get update && apt-get install -y podman)
	@command -v runc >/dev/null || (apt-get update && apt-get install -y runc)
