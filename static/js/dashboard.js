// Dashboard charts (Chart.js, served locally) drawn from the JSON the page embeds, redrawn
// after every htmx swap of the dashboard body; picking a date switches the period to custom.
(function () {
  "use strict";

  var charts = [];
  var palette = ["#1f5fbf", "#e07b00", "#1a7f37", "#b42318", "#5b3a9e", "#0d6377"];

  function make(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas || typeof window.Chart === "undefined") return;
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {}
    );
    // Axis numbers and tooltips in the page's language (Chart.js otherwise uses the browser's).
    window.Chart.defaults.locale = document.documentElement.lang || "en";
    charts.push(new window.Chart(canvas, config));
  }

  function draw() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    var node = document.getElementById("dashboard-charts");
    if (!node) return;
    var data = JSON.parse(node.textContent);
    var trend = data.trend;
    make("chart-leads-cpl", {
      data: {
        labels: trend.labels,
        datasets: [
          { type: "bar", label: trend.labels_leads, data: trend.leads, backgroundColor: palette[0], yAxisID: "y" },
          { type: "line", label: trend.labels_cpl, data: trend.cost_per_lead, borderColor: palette[1], backgroundColor: palette[1], yAxisID: "y1", spanGaps: true }
        ]
      },
      options: {
        scales: {
          y: { beginAtZero: true, position: "left" },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } }
        }
      }
    });
    make("chart-cac", {
      type: "line",
      data: {
        labels: trend.labels,
        datasets: [
          { label: trend.labels_cac, data: trend.cac, borderColor: palette[3], backgroundColor: palette[3], spanGaps: true },
          { label: trend.labels_paid_cac, data: trend.paid_cac, borderColor: palette[4], backgroundColor: palette[4], spanGaps: true }
        ]
      },
      options: { scales: { y: { beginAtZero: true } } }
    });
    make("chart-win-rate", {
      type: "line",
      data: {
        labels: trend.labels,
        datasets: [{ label: trend.labels_win_rate, data: trend.win_rate, borderColor: palette[2], backgroundColor: palette[2], spanGaps: true }]
      },
      options: { scales: { y: { beginAtZero: true, suggestedMax: 100 } } }
    });
    make("chart-rejections", {
      type: "bar",
      data: {
        labels: data.rejections.labels,
        datasets: [{ label: data.rejections.label, data: data.rejections.values, backgroundColor: palette[3] }]
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  function customOnDate(event) {
    var target = event.target;
    if (!target || !target.form || target.form.id !== "dashboard-filters") return;
    if (target.name === "start" || target.name === "end") {
      var preset = target.form.querySelector("[name=preset]");
      if (preset) preset.value = "custom";
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("change", customOnDate);
  document.body.addEventListener("htmx:afterSettle", function () {
    // Redraw when the swap replaced the canvases (a new period or filter), not on a sort.
    var canvas = document.getElementById("chart-leads-cpl");
    if (!charts.length || !canvas || charts[0].canvas !== canvas) draw();
  });
})();
