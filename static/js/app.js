/* Small progressive enhancements shared by every page; each page works without them. */
(function () {
  "use strict";

  /* A period select with data-custom-fields="field-start field-end" shows those fields
     only while "custom" is chosen. */
  function syncCustomFields(select) {
    var ids = (select.getAttribute("data-custom-fields") || "").split(/\s+/);
    ids.forEach(function (id) {
      var field = document.getElementById(id);
      if (field) { field.hidden = select.value !== "custom"; }
    });
  }

  function init(root) {
    root.querySelectorAll("select[data-custom-fields]").forEach(function (select) {
      syncCustomFields(select);
      select.addEventListener("change", function () { syncCustomFields(select); });
    });
  }

  /* Handlers that live here, not in the markup (the Content-Security-Policy forbids inline
     handlers): a select with data-autosubmit submits its form when changed (the language
     select); a checkbox with data-select-all="NAME" ticks every checkbox named NAME. */
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    } else if (target.matches("input[type=checkbox][data-select-all]")) {
      var name = target.getAttribute("data-select-all");
      document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        if (box.name === name) { box.checked = target.checked; }
      });
    }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
