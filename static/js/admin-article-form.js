/* The article change form (and the restore and recover forms built from it).
   Django's SelectFilter (the topics chooser) puts its search hint in aria-label on a
   plain <span>, which ARIA does not allow there; as an image with that name, screen
   readers still read the hint. SelectFilter builds itself on "load": run after it. */
window.addEventListener("load", function () {
  window.setTimeout(function () {
    document.querySelectorAll(".search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }, 0);
});
