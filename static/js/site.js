// Progressive enhancement for the site header and the article's contents. Without
// JavaScript the navigation is simply always visible; with it, small screens get a
// Menu/Close toggle (the CSS shows the button once <html> has the "js" class, set
// here before first paint).
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function setUpMenu() {
    var button = document.querySelector(".menu-toggle");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) {
      return;
    }

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Close" : "Menu";
      nav.classList.toggle("is-open", open);
    }

    setOpen(false);

    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  // The article's table of contents marks the part being read. Without the script
  // (or IntersectionObserver) it stays a plain list of links.
  function markCurrentSection() {
    var toc = document.getElementById("contents");
    if (!toc || !("IntersectionObserver" in window)) {
      return;
    }
    var parts = [];
    Array.prototype.forEach.call(toc.querySelectorAll('a[href^="#"]'), function (link) {
      var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (target) {
        parts.push({ link: link, target: target, inView: false });
      }
    });
    if (!parts.length) {
      return;
    }
    var current = null;

    function setCurrent(part) {
      if (part === current) {
        return;
      }
      if (current) {
        current.link.removeAttribute("aria-current");
      }
      current = part;
      part.link.setAttribute("aria-current", "location");
      // A long list scrolls inside the side column: keep the marked link in it.
      if (toc.scrollHeight > toc.clientHeight) {
        var top = part.link.offsetTop;
        if (top < toc.scrollTop || top > toc.scrollTop + toc.clientHeight - part.link.offsetHeight) {
          toc.scrollTop = top - toc.clientHeight / 2;
        }
      }
    }

    // A part counts as being read while it crosses the top third of the window; of
    // several, the last one (its heading is the most recent the reader passed).
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          parts.forEach(function (part) {
            if (part.target === entry.target) {
              part.inView = entry.isIntersecting;
            }
          });
        });
        var reading = null;
        parts.forEach(function (part) {
          if (part.inView) {
            reading = part;
          }
        });
        if (reading) {
          setCurrent(reading);
        }
      },
      { rootMargin: "0px 0px -66% 0px" }
    );
    parts.forEach(function (part) {
      observer.observe(part.target);
    });
  }

  function setUp() {
    setUpMenu();
    markCurrentSection();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
