
// Appended to wasm-split's loader by scripts/build-frontend, which makes every chunk's fetch go
// through it. A page's chunk is fetched again after a failure (a flaky network), and one that
// cannot be had (offline for good, or a build no longer served) reloads the page once, which
// fetches the current build; without this, the app would stop at the panic of a failed load.

// A page whose code is still downloading (a slow network: the address changes only once it is
// there) shows a thin bar at the top after a short while, so the click does not look ignored.
// Chunks load in parallel: the bar stays until the last one is in.
const pageLoading = (() => {
  const showAfterMs = 300;
  const labels = { en: 'Loading the page…', ru: 'Загрузка страницы…' };
  let loading = 0;
  let timer;
  let bar;
  const show = () => {
    bar = document.createElement('div');
    bar.className = 'page-loading';
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-label', labels[document.documentElement.lang] ?? labels.en);
    document.body.append(bar);
  };
  return {
    started() {
      loading += 1;
      if (loading === 1) timer = setTimeout(show, showAfterMs);
    },
    finished() {
      loading -= 1;
      if (loading > 0) return;
      clearTimeout(timer);
      bar?.remove();
      bar = undefined;
    },
  };
})();

async function fetchChunk(url) {
  pageLoading.started();
  try {
    return await fetchChunkWithRetries(url);
  } finally {
    pageLoading.finished();
  }
}

async function fetchChunkWithRetries(url) {
  const tries = 3;
  const reloadedFor = 'helpdesk-chunk-reloaded-for';
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      const response = await fetch(url);
      // A path that is not a file of this build is answered with the app's page, not a module.
      if (response.ok && (response.headers.get('content-type') ?? '').startsWith('application/wasm')) {
        // Read whole here, so that the bar stays until the code is there and a body cut off midway
        // is fetched again like any other failure.
        const code = await response.arrayBuffer();
        sessionStorage.removeItem(reloadedFor);
        return new Response(code, { headers: { 'content-type': 'application/wasm' } });
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
