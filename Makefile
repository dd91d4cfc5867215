# Baton's two commands. `make demo` runs the demo site; `make test` runs every test.
# Both install what is missing first (scripts/install.sh) and are quick when nothing is.

SHELL := bash
PORT ?= 8080
export PATH := $(CURDIR)/www/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: demo test widget tools test-tools
# A widget build that fails halfway leaves no file that looks finished.
.DELETE_ON_ERROR:

SANDBOX_PORT ?= 8090
# The dashboard's admin token in the demo; set your own anywhere else.
ADMIN_TOKEN ?= demo-admin

# The Intercom sandbox runs beside the bridge (its inbox: http://127.0.0.1:8090/) and stops
# with it; the bridge hands off to it and receives its signed webhooks.
demo: widget
	cargo build --release -p baton-bridge -p baton-intercom-sandbox
	@echo
	@echo "Dashboard: http://127.0.0.1:$(PORT)/dashboard (admin token: $(ADMIN_TOKEN)); Intercom sandbox inbox: http://127.0.0.1:$(SANDBOX_PORT)/"
	RUST_LOG=warn target/release/baton-intercom-sandbox --addr 127.0.0.1:$(SANDBOX_PORT) \
		--webhook-url http://127.0.0.1:$(PORT)/v1/intercom/webhooks & \
	sandbox=$$!; trap 'kill $$sandbox 2>/dev/null' EXIT INT TERM; \
	for _ in $$(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$(SANDBOX_PORT)) 2>/dev/null && break; sleep 0.1; done; \
	BATON_INTERCOM_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) BATON_INTERCOM_TOKEN=sandbox-token \
	BATON_INTERCOM_CLIENT_ID=sandbox-client BATON_INTERCOM_CLIENT_SECRET=sandbox-secret \
	BATON_ADMIN_TOKEN=$(ADMIN_TOKEN) RUST_LOG=warn target/release/baton-bridge --addr 127.0.0.1:$(PORT) --db baton.db --site-dir .

test: test-tools widget
	scripts/size-budget.sh --no-build
	cargo test --workspace
	cargo build -p baton-bridge -p baton-intercom-sandbox
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
		cargo test -p baton-widget --target wasm32-unknown-unknown
	cd www && node --test tests/

# Rebuilt only when something it is made from changed.
WIDGET_SOURCES := $(shell find src protocol/src markdown/src -type f) Cargo.toml Cargo.lock markdown/Cargo.toml build.rs \
	scripts/build-widget.sh scripts/wasm-cargo.sh scripts/compress.mjs www/package-lock.json www/loader/baton.js

widget: pkg/baton_widget_bg.wasm

pkg/baton_widget_bg.wasm: $(WIDGET_SOURCES) | tools
	scripts/build-widget.sh

tools:
	scripts/install.sh build

test-tools:
	scripts/install.sh test
