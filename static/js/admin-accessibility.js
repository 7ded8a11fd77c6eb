// Repairs to markup Django's admin scripts make in the article form, so that it
// meets WCAG 2.1 AA: the filter boxes of "topics" (SelectFilter2.js) label a
// magnifier icon with aria-label on a plain <span>, which ARIA does not allow; as an
// image it may carry that name.
(function () {
  "use strict";

  function repair() {
    Array.prototype.forEach.call(
      document.querySelectorAll(".help-tooltip[aria-label]:not([role])"),
      function (icon) { icon.setAttribute("role", "img"); }
    );
  }

  // SelectFilter2.js builds its boxes on the window's load event, from a listener
  // that may come after this one: repair once they have all run.
  window.addEventListener("load", function () { window.setTimeout(repair, 0); });
})();
