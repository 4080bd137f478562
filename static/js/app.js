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

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
