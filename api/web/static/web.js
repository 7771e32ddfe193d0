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

// The community map: points at the scenario's own x/y coordinates, sized by needs, coloured by coverage.
function drawMap(element) {
  const data = JSON.parse(document.getElementById(element.dataset.source).textContent);
  const trace = {
    type: "scattergl", mode: "markers", x: data.x, y: data.y, text: data.text, hoverinfo: "text",
    marker: { size: data.size, color: data.coverage, cmin: 0, cmax: 1, colorscale: [[0, "#b3261e"], [0.5, "#f2c14e"], [1, "#1e7b34"]],
              colorbar: { title: { text: data.colorbar }, tickformat: ".0%" }, line: { width: 0.5, color: "#333" } },
  };
  const layout = { margin: { l: 50, r: 10, t: 10, b: 40 }, xaxis: { title: { text: data.xtitle } },
                   yaxis: { title: { text: data.ytitle }, scaleanchor: "x" }, hovermode: "closest" };
  Plotly.newPlot(element, [trace], layout, { displaylogo: false, responsive: true });
  element.dataset.drawn = "1";
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progress-url]").forEach(watchRun);
  document.querySelectorAll("[data-map]").forEach(drawMap);
});
