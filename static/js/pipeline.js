// The pipeline board's drag and drop (SortableJS): dropping a card on another open stage
// posts the same stage change as the card's own "Move" form (CSRF token from that form) and
// swaps in the board the server answers with. A refused move comes back with the card in its
// old column and the reason on it; a failed request puts the card back and says so.
(function () {
  "use strict";

  var sortables = [];

  function post(card, stage, from, oldIndex) {
    var board = document.getElementById("pipeline-board");
    var token = card.querySelector("input[name=csrfmiddlewaretoken]");
    var body = new URLSearchParams();
    body.append(card.dataset.moveField, stage);
    board.setAttribute("aria-busy", "true");
    fetch(card.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": token ? token.value : "",
        "HX-Request": "true",
        "HX-Target": "pipeline-board",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: body.toString(),
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        board.outerHTML = html;
        var fresh = document.getElementById("pipeline-board");
        if (window.htmx) window.htmx.process(fresh);
        init();
        var moved = document.getElementById(card.id);
        var message = moved && moved.querySelector(".row-notice, .row-error");
        if (message) message.focus();
      })
      .catch(function () {
        board.removeAttribute("aria-busy");
        from.insertBefore(card, from.children[oldIndex] || null);
        var alert = document.createElement("p");
        alert.className = "row-error";
        alert.setAttribute("role", "alert");
        alert.textContent = board.dataset.dragFailed || "";
        card.appendChild(alert);
      });
  }

  function init() {
    sortables.forEach(function (sortable) {
      sortable.destroy();
    });
    sortables = [];
    if (!window.Sortable) return;
    document.querySelectorAll("#pipeline-board ul[data-drop]").forEach(function (list) {
      sortables.push(
        window.Sortable.create(list, {
          group: "pipeline",
          draggable: "li[data-move-url]",
          filter: "input, select, textarea, button, summary, label, a",
          preventOnFilter: false,
          animation: 120,
          forceFallback: true, // pointer events: the same on touch screens and in tests
          ghostClass: "is-dragging",
          onEnd: function (event) {
            if (event.from === event.to) return;
            post(event.item, event.to.dataset.stage, event.from, event.oldIndex);
          },
        })
      );
    });
  }

  init();
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "pipeline-board") init();
  });
})();
