// The planner's reverse funnel (Chart.js, served locally), drawn from the JSON the page
// embeds with json_script; redrawn after every htmx preview. No inline script (strict CSP).
(function () {
  "use strict";

  var chart = null;

  function draw() {
    if (chart) { chart.destroy(); chart = null; }
    var node = document.getElementById("plan-chart");
    var canvas = document.getElementById("plan-chart-canvas");
    if (!node || !canvas || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    var datasets = [{ label: data.label_needed, data: data.needed, backgroundColor: "#1f5fbf" }];
    if (data.actual) {
      datasets.push({ label: data.label_actual, data: data.actual, backgroundColor: "#1a7f37" });
    }
    chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
