# Sourced by scripts/up and scripts/test.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/local-env.sh

# The Rust pieces a fresh machine lacks: the WebAssembly target (the domain crate builds for it).
ensure_toolchain() {
    command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

# Starts the local AWS stack unless it runs already; stops it again on exit only if we started it.
ensure_local_stack() {
    if scripts/local-stack running; then
        echo "local-stack: using the stack that is already running" >&2
    else
        DDB_IN_MEMORY="${1:-0}" scripts/local-stack start
        trap 'scripts/local-stack stop' EXIT
    fi
}
