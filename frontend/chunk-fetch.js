
// Appended to wasm-split's loader by scripts/build-frontend, which makes every chunk's fetch go
// through it. A page's chunk is fetched again after a failure (a flaky network), and one that
// cannot be had (offline for good, or a build no longer served) reloads the page once, which
// fetches the current build; without this, the app would stop at the panic of a failed load.
async function fetchChunk(url) {
  const tries = 3;
  const reloadedFor = 'helpdesk-chunk-reloaded-for';
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      const response = await fetch(url);
      // A path that is not a file of this build is answered with the app's page, not a module.
      if (response.ok && (response.headers.get('content-type') ?? '').startsWith('application/wasm')) {
        sessionStorage.removeItem(reloadedFor);
        return response;
      }
    } catch {
      // The network: try again.
    }
    if (attempt < tries) await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
  }
  if (sessionStorage.getItem(reloadedFor) !== String(url)) {
    sessionStorage.setItem(reloadedFor, String(url));
    location.reload();
    // The page goes: nothing more to do here (failing now would only panic on the way out).
    return new Promise(() => {});
  }
  throw new Error(`could not load ${url}`);
}
