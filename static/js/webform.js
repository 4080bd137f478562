/* Public web forms (README "Web forms"): fill the hidden UTM inputs from this page's URL and
   fetch the form's fill-time token. Without this script the form still posts its fields. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var utm = ["utm_source", "utm_medium", "utm_campaign"];
  document.querySelectorAll("form[data-webform-token]").forEach(function (form) {
    utm.forEach(function (name) {
      var input = form.querySelector('input[name="' + name + '"]');
      var value = params.get(name);
      if (input && !input.value && value) {
        input.value = value.slice(0, 100);
      }
    });
    var token = form.querySelector('input[name="form_token"]');
    if (!token || token.value || !window.fetch) {
      return;
    }
    fetch(form.getAttribute("data-webform-token"), {
      credentials: "omit",
      mode: "cors",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body && typeof body.token === "string") {
          token.value = body.token;
        }
      })
      .catch(function () {});
  });
})();
