
// Appended to wasm-split's loader by scripts/build-frontend, which makes every chunk's fetch go
// through it. A page's chunk is fetched again after a failure (a flaky network). One that cannot
// be had (a build no longer served after a deploy, or offline) reloads the page, which fetches
// the current build; at most once a minute, so a network that stays down cannot make it reload
// forever. Past that, a notice says the page could not be loaded and offers a reload. A chunk
// is never failed back to the app: its loader would panic, which leaves the whole app dead.

// The texts this file shows, in the page's language (the app sets <html lang>).
const chunkTexts = {
  en: { loading: 'Loading the page…', failed: 'This page could not be loaded. Check the connection and reload.', reload: 'Reload' },
  ru: { loading: 'Загрузка страницы…', failed: 'Не удалось загрузить страницу. Проверьте подключение и обновите её.', reload: 'Обновить' },
};
const chunkText = (key) => (chunkTexts[document.documentElement.lang] ?? chunkTexts.en)[key];

// A page whose code is still downloading (a slow network: the address changes only once it is
// there) shows a thin bar at the top after a short while, so the click does not look ignored.
// Chunks load in parallel: the bar stays until the last one is in.
const pageLoading = (() => {
  const showAfterMs = 300;
  let loading = 0;
  let timer;
  let bar;
  const show = () => {
    bar = document.createElement('div');
    bar.className = 'page-loading';
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-label', chunkText('loading'));
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
    const code = await fetchChunkWithRetries(url);
    if (code) return code;
  } finally {
    pageLoading.finished();
  }
  if (reloadAllowed()) {
    location.reload();
  } else {
    showLoadFailed();
  }
  // Never settles: the page goes, or she reloads from the notice.
  return new Promise(() => {});
}

// The chunk as a response to instantiate, or nothing after three failed tries.
async function fetchChunkWithRetries(url) {
  const tries = 3;
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      const response = await fetch(url);
      // A path that is not a file of this build is answered with the app's page, not a module.
      if (response.ok && (response.headers.get('content-type') ?? '').startsWith('application/wasm')) {
        // Read whole and checked here: the bar stays until the code is there, and a body cut off
        // midway or mangled on the way is fetched again like any other failure.
        const code = await response.arrayBuffer();
        if (WebAssembly.validate(code)) return new Response(code, { headers: { 'content-type': 'application/wasm' } });
      }
    } catch {
      // The network: try again.
    }
    if (attempt < tries) await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
  }
  return undefined;
}

// One automatic reload a minute at most: the first picks up a newer build; a second within the
// minute would only fail the same way again.
function reloadAllowed() {
  const key = 'helpdesk-chunk-reloaded-at';
  const last = Number(sessionStorage.getItem(key) ?? 0);
  if (Date.now() - last < 60_000) return false;
  sessionStorage.setItem(key, String(Date.now()));
  return true;
}

function showLoadFailed() {
  if (document.querySelector('.page-load-failed')) return;
  const notice = document.createElement('div');
  notice.className = 'page-load-failed';
  notice.setAttribute('role', 'alert');
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.textContent = chunkText('reload');
  reload.addEventListener('click', () => location.reload());
  notice.append(chunkText('failed'), ' ', reload);
  document.body.append(notice);
}
