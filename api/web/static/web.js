// The workbench's own script: no framework, no build step. Pages mark the elements it works on.
"use strict";

// A run's live progress: poll its JSON every second while it is queued or running.
function watchRun(element) {
  const url = element.dataset.progressUrl;
  const show = (name, text) => { const cell = element.querySelector(`[data-field="${name}"]`); if (cell) cell.textContent = text; };
  async function poll() {
    let data;
    try { data = await (await fetch(url, { headers: { Accept: "application/json" } })).json(); }
    catch (err) { setTimeout(poll, 2000); return; }
    for (const [name, text] of Object.entries(data.shown)) show(name, text);
    if (data.finished) { window.location.reload(); return; }
    setTimeout(poll, 1000);
  }
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progress-url]").forEach(watchRun);
});
