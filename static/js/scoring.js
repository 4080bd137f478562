// The model page's lift and calibration charts (Chart.js, served locally) from its JSON.
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("scoring-charts");
    if (!node || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    window.Chart.defaults.locale = document.documentElement.lang || "en";
    var lift = document.getElementById("lift-chart");
    if (lift && data.lift) {
      new window.Chart(lift, {
        type: "bar",
        data: {
          labels: data.lift.labels,
          datasets: [{ label: data.lift.label, data: data.lift.values, backgroundColor: "#1f5fbf" }]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false } },
          scales: { x: { title: { display: true, text: data.lift.x } }, y: { beginAtZero: true } }
        }
      });
    }
    var calibration = document.getElementById("calibration-chart");
    if (calibration && data.calibration) {
      new window.Chart(calibration, {
        type: "scatter",
        data: {
          datasets: [
            { label: data.calibration.label, data: data.calibration.points, backgroundColor: "#1f5fbf", showLine: true, borderColor: "#1f5fbf" },
            { label: data.calibration.ideal, data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, borderColor: "#8a8f98", borderDash: [6, 4], pointRadius: 0 }
          ]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            x: { min: 0, max: 1, title: { display: true, text: data.calibration.x } },
            y: { min: 0, max: 1, title: { display: true, text: data.calibration.y } }
          }
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
