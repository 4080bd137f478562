// The inbox's live SLA countdown: every row's clock, overdue badge and highlight stay current.
(function () {
  "use strict";

  function render(el) {
    var due = Date.parse(el.dataset.slaDue);
    if (isNaN(due)) return;
    var seconds = Math.floor((due - Date.now()) / 1000);
    var overdue = seconds < 0;
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var template = overdue ? el.dataset.overdueText : el.dataset.dueText;
    el.textContent = template
      .replace("{h}", String(Math.floor(minutes / 60)))
      .replace("{m}", String(minutes % 60));
    var row = el.closest(".inbox-row");
    if (row) {
      row.classList.toggle("is-overdue", overdue);
      var badge = row.querySelector(".overdue-badge");
      if (badge) badge.hidden = !overdue;
    }
  }

  function tick() {
    document.querySelectorAll("[data-sla-due]").forEach(render);
  }

  tick();
  window.setInterval(tick, 15000);
  document.body.addEventListener("htmx:afterSettle", tick);
})();
