/* ptdv: the little behaviour the pages need, in a file because the Content-Security-Policy
   allows no inline script (no onclick="…", no <script>…</script>). */
(function () {
  "use strict";

  // A button marked data-ptdv-print prints the page (the reports' "In").
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-ptdv-print]")) {
      window.print();
    }
  });

  // htmx swaps nothing when the server answers with an error (400 refused input, 429, 503 busy):
  // show the error page's message (its [data-ptdv-error] element) above the page instead of
  // leaving the click without an answer. textContent only: nothing of the response runs.
  function showError(message) {
    var region = document.getElementById("ptdv-alerts");
    if (!region) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.setAttribute("role", "alert");
    alert.textContent = message || region.getAttribute("data-fallback");
    region.replaceChildren(alert);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var message = "";
    if (xhr && xhr.responseText) {
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var source = page.querySelector("[data-ptdv-error]");
      message = source ? source.textContent.trim() : "";
    }
    showError(message);
  });

  document.addEventListener("htmx:sendError", function () {
    showError("");
  });

  // A new answer clears the previous error.
  document.addEventListener("htmx:afterSwap", function () {
    var region = document.getElementById("ptdv-alerts");
    if (region) {
      region.replaceChildren();
    }
  });
})();
