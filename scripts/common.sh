# Sourced by scripts/up and scripts/test.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/local-env.sh

# The Rust pieces a fresh machine lacks: the WebAssembly target (the domain crate builds for it).
ensure_toolchain() {
    command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

# `cargo install` of a tool that runs for seconds on our files: built for a quick compile, not for
# speed (opt-level 1 without LTO compiles the wasm-bindgen CLI in ~4 min on 2 cores, ~7 with
# cargo install's defaults). Arguments as for cargo install.
quick_cargo_install() {
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
        CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true cargo install --quiet "$@"
}

# cargo-nextest runs the test suite (.config/nextest.toml); machines of this kind come with it.
ensure_nextest() {
    if ! cargo nextest --version >/dev/null 2>&1; then
        echo "installing cargo-nextest (a few minutes, once)" >&2
        quick_cargo_install --locked cargo-nextest
    fi
}

# Cleanups for when the script exits, the last registered first (a runner before the stack it
# uses). Only the script itself runs them: a background child it forked inherits the trap.
exit_cleanups=()
on_exit() {
    exit_cleanups=("$1" "${exit_cleanups[@]}")
    trap '[ "$BASHPID" = "$$" ] && for cleanup in "${exit_cleanups[@]}"; do eval "$cleanup" || true; done' EXIT
}

# Starts the local AWS stack (moto, or LocalStack when HELPDESK_LOCAL_STACK=localstack) unless it
# runs already; on exit stops only the parts it started.
ensure_local_stack() {
    local missing
    missing="$(scripts/local-stack missing)"
    if [ -z "$missing" ]; then
        echo "local-stack: using the stack that is already running" >&2
    else
        DDB_IN_MEMORY="${1:-0}" scripts/local-stack start
        on_exit "scripts/local-stack stop $missing"
    fi
}

# SAM CLI and cargo-lambda (it brings zig for the arm64 link) in the project's venv, and the
# arm64 Rust target Lambda runs.
ensure_sam_tools() {
    [ -x .local/venv/bin/python ] || python3 -m venv .local/venv
    if [ ! -x .local/venv/bin/sam ] || [ ! -x .local/venv/bin/cargo-lambda ]; then
        echo "installing the SAM CLI and cargo-lambda into .local/venv" >&2
        .local/venv/bin/pip install --quiet --disable-pip-version-check "aws-sam-cli==1.170.0" "cargo-lambda==1.9.2"
    fi
    rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
    export PATH="$root/.local/venv/bin:$PATH" SAM_CLI_TELEMETRY=0
}

# OpenLDAP's slapd and the LDAP client tools, for the LDAP sign-in tests (Debian's packages; the
# package does not start a service of its own).
ensure_slapd() {
    if [ ! -x /usr/sbin/slapd ] || ! command -v ldapmodify >/dev/null 2>&1; then
        echo "installing slapd and ldap-utils" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils >/dev/null
    fi
}

# What the web UI's build needs: the wasm-bindgen CLI of exactly the version the frontend links
# (Cargo.toml pins it), wasm-opt from npm's binaryen (Debian's is too old and breaks the app), and
# the wasm-split CLI of the family of the wasm_split_helpers that leptos links (Cargo.lock).
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132.0.0
WASM_SPLIT_VERSION=0.2.4
ensure_frontend_tools() {
    ensure_toolchain
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
        echo "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)" >&2
        quick_cargo_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    fi
    if [ ! -x .local/binaryen/node_modules/.bin/wasm-opt ]; then
        echo "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm into .local/binaryen" >&2
        npm install --silent --no-audit --no-fund --prefix .local/binaryen "binaryen@$BINARYEN_VERSION" >/dev/null
    fi
    local split=".local/wasm-split-$WASM_SPLIT_VERSION"
    if [ ! -x "$split/bin/wasm-split-cli" ]; then
        echo "installing wasm-split-cli $WASM_SPLIT_VERSION into $split (about 2 minutes, once)" >&2
        quick_cargo_install --locked "wasm_split_cli_support@$WASM_SPLIT_VERSION" --features build-binary --root "$split"
    fi
    export PATH="$root/.local/binaryen/node_modules/.bin:$root/$split/bin:$PATH"
}

# Debian's Chromium for the browser tests, and playwright-core (no browser download) to drive it.
ensure_browser_tools() {
    if [ ! -x /usr/bin/chromium ]; then
        echo "installing chromium" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    if [ ! -d tests/browser/node_modules/playwright-core ]; then
        npm ci --silent --no-audit --no-fund --prefix tests/browser >/dev/null
    fi
}
