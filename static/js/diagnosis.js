// The diagnosis waterfall (Chart.js floating bars, served locally): one chart per
// canvas.waterfall-chart, drawn from the JSON its data-source names; redrawn after an
// htmx swap replaced the canvas (the dashboard's period or filter changed).
(function () {
  "use strict";

  var colors = { marketing: "#1f5fbf", handoff: "#b35900", sales: "#1a7f37", total: "#5f6b7a" };
  var charts = [];

  function money(value, currency) {
    var lang = document.documentElement.lang || "en";
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: currency, maximumFractionDigits: 0 }).format(value);
    } catch (e) {
      return String(Math.round(value));
    }
  }

  function drawOne(canvas) {
    var node = document.getElementById(canvas.getAttribute("data-source"));
    if (!node || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    var bars = data.bars;
    // Axis numbers and tooltips in the page's language (Chart.js otherwise uses the browser's).
    window.Chart.defaults.locale = document.documentElement.lang || "en";
    charts.push(new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: bars.map(function (b) { return b.label; }),
        datasets: [{
          label: data.axis,
          data: bars.map(function (b) { return [b.from, b.to]; }),
          backgroundColor: bars.map(function (b) { return colors[b.owner] || colors.total; }),
          borderSkipped: false
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var bar = bars[ctx.dataIndex];
                if (bar.owner === "total") return money(bar.to, data.currency);
                var owner = data.legend[bar.owner] || "";
                var sign = bar.amount >= 0 ? "+" : "";
                return owner + ": " + sign + money(bar.amount, data.currency);
              }
            }
          }
        },
        scales: {
          x: { ticks: { autoSkip: false, maxRotation: 90, minRotation: 0 } },
          y: { beginAtZero: true, ticks: { callback: function (v) { return money(v, data.currency); } } }
        }
      }
    }));
  }

  function draw() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    Array.prototype.forEach.call(document.querySelectorAll("canvas.waterfall-chart"), drawOne);
  }

  function stale() {
    var canvases = document.querySelectorAll("canvas.waterfall-chart");
    if (canvases.length !== charts.length) return true;
    return charts.some(function (chart, i) { return chart.canvas !== canvases[i]; });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", function () { if (stale()) draw(); });
})();
