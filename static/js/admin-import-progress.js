// The WordPress import's status page (admin) while a dry run or an import runs: every
// few seconds the page is fetched again and its progress section replaced, so the bar
// moves without a reload; once the run has moved on (the section is gone) the whole
// page is loaded, with its report and buttons. Without JavaScript, "Refresh this page"
// does the same by hand.
(function () {
  "use strict";

  function start() {
    var section = document.getElementById("import-progress");
    if (!section || !window.fetch || !window.DOMParser) {
      return;
    }
    var seconds = parseInt(section.getAttribute("data-refresh"), 10) || 2;

    function poll() {
      window.fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.getElementById("import-progress");
          if (!fresh) {
            window.location.reload();
            return;
          }
          section.innerHTML = fresh.innerHTML;
          window.setTimeout(poll, seconds * 1000);
        })
        .catch(function () {
          // A failed request (a restart, a network blip): try again a little later.
          window.setTimeout(poll, seconds * 2000);
        });
    }

    window.setTimeout(poll, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
