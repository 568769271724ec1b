// Starts the app: loads the wasm-bindgen glue and the WebAssembly module of the same build (this
// file's own directory; the pages split into chunks come from there too, when they first open).
// A file of its own (not an inline script) so the Content-Security-Policy needs no 'unsafe-inline'.
import init from './main.js';
init({ module_or_path: new URL('main_bg.wasm', import.meta.url) });
