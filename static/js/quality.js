// The campaign page's quality trend (Chart.js, served locally) from the JSON it embeds.
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("quality-trend");
    var node = document.getElementById("quality-data");
    if (!canvas || !node || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    // Axis numbers and tooltips in the page's language (Chart.js otherwise uses the browser's).
    window.Chart.defaults.locale = document.documentElement.lang || "en";
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{ label: data.label, data: data.values, borderColor: "#1f5fbf", backgroundColor: "#1f5fbf", spanGaps: true }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { min: 0, max: 100 } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
