# scrawl: `make run` builds and serves on http://127.0.0.1:3000, `make test`
# runs every test. Both install what is missing first and skip what is there.

SHELL := /bin/bash
CARGO_LEPTOS_VERSION := 0.3.10
# The wasm-bindgen CLI must match the crate version locked in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/version = "\(.*\)"/\1/p}' Cargo.lock)
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test test-rust test-e2e build tools wasm-target cargo-leptos wasm-bindgen-cli npm-packages chromium bench

run: tools
	cargo leptos serve --release

test: tools chromium test-rust build test-e2e

test-rust:
	cargo test --features ssr,native-client

build: tools
	cargo leptos build --release

test-e2e: npm-packages chromium
	cd end2end && npx playwright test

tools: wasm-target cargo-leptos wasm-bindgen-cli npm-packages

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

cargo-leptos:
	@cargo leptos --version 2>/dev/null | grep -q " $(CARGO_LEPTOS_VERSION)$$" || cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked

wasm-bindgen-cli:
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

# Playwright, socket.io-client for the protocol test, and binaryen's wasm-opt for release builds.
npm-packages:
	@[ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ] || (cd end2end && npm ci --no-audit --no-fund)

bench: build
	node end2end/bench/first-paint.js

chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
