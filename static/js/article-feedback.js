// "Was this article helpful?" without leaving the page: send the answer in the
// background and show the thank-you (or what went wrong) where the form was. Without
// JavaScript the form posts and the article page comes back with the thank-you.
(function () {
  "use strict";

  function setUp() {
    var section = document.getElementById("article-feedback");
    var form = section && section.querySelector("form");
    if (!form || !window.fetch || !window.FormData) {
      return;
    }
    var problem = document.getElementById("article-feedback-problem");
    var button = form.querySelector("button[type='submit']");
    var sending = false;

    function showProblem(message) {
      problem.textContent = message;
      problem.hidden = false;
      problem.focus();
    }

    function thank(message) {
      var thanks = document.createElement("p");
      thanks.className = "article-feedback-thanks";
      thanks.setAttribute("role", "status");
      thanks.tabIndex = -1;
      thanks.textContent = message;
      section.replaceChild(thanks, form);
      thanks.focus();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) {
        return;
      }
      sending = true;
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          return response.json().then(function (answer) {
            return { ok: response.ok, answer: answer };
          });
        })
        .then(function (result) {
          if (result.ok) {
            thank(result.answer.message);
            return;
          }
          var errors = result.answer.errors || {};
          var details = Object.keys(errors).map(function (name) {
            return errors[name].join(" ");
          });
          // What to change, field by field; else why it was not taken (too soon).
          showProblem(details.length ? details.join(" ") : result.answer.message);
        })
        .catch(function () {
          // Offline, or an answer that is not ours: the plain post still works.
          sending = false;
          form.submit();
        })
        .then(function () {
          sending = false;
          button.disabled = false;
        });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
