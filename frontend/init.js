// Starts the app: loads the wasm-bindgen glue and the WebAssembly module of the same build.
// A file of its own (not an inline script) so the Content-Security-Policy needs no 'unsafe-inline'.
import init from '/helpdesk-BUILD_ID.js';
init({ module_or_path: '/helpdesk-BUILD_ID.wasm' });
