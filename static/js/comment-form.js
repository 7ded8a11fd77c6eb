// The comment form's two helpers.
// 1. "Reply" without a page load: move the comment form under the comment being
//    answered. Without JavaScript the Reply link (?replyto=ID#respond) does the same
//    through the server.
// 2. On a page every reader shares (served from the page cache), the form comes
//    without the reader's CSRF token and signed timestamp: fetch them once the form
//    is a screen away (or is used), and before sending if that has not happened yet.
//    Without JavaScript, the server shows the comment again, filled in, with both.
(function () {
  "use strict";

  function fetchFormToken(form) {
    var url = form.dataset.formTokenUrl;
    var token = form.querySelector("input[name='csrfmiddlewaretoken']");
    var stamp = form.querySelector("input[name='timestamp']");
    var pending = null;
    if (!url || !token || !stamp || token.value) {
      return; // a page made for this reader carries both already
    }

    function fetchOnce() {
      if (!pending) {
        pending = fetch(url, { credentials: "same-origin", cache: "no-store" })
          .then(function (response) {
            if (!response.ok) {
              throw new Error("form token: HTTP " + response.status);
            }
            return response.json();
          })
          .then(function (values) {
            token.value = values.csrfmiddlewaretoken;
            stamp.value = values.timestamp;
          })
          .catch(function () {
            // Sent without them, the comment comes back filled in to send again.
            pending = null;
          });
      }
      return pending;
    }

    if ("IntersectionObserver" in window) {
      // One screen ahead: the signed time starts a little before the form shows, so
      // that a quick comment is not sent back to be pressed again (the "too fast" check).
      var observer = new IntersectionObserver(
        function (entries) {
          if (entries.some(function (entry) { return entry.isIntersecting; })) {
            observer.disconnect();
            fetchOnce();
          }
        },
        { rootMargin: "0px 0px 100% 0px" }
      );
      observer.observe(form);
    }
    form.addEventListener("focusin", fetchOnce);
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (token.value) {
        return;
      }
      event.preventDefault();
      if (sending) {
        return; // a second press while the token is on its way
      }
      sending = true;
      fetchOnce().then(function () {
        form.submit();
      });
    });
  }

  function setUp() {
    var respond = document.getElementById("respond");
    var home = document.getElementById("respond-home");
    var form = document.getElementById("commentform");
    if (form) {
      fetchFormToken(form);
    }
    if (!respond || !home || !form) {
      return;
    }
    var parentField = form.querySelector("input[name='parent']");
    var title = document.getElementById("reply-title-text");
    var cancel = document.getElementById("cancel-comment-reply-link");
    var body = form.querySelector("textarea[name='body']");
    var lastReplyLink = null;

    function replyTo(link) {
      var comment = document.getElementById("comment-" + link.dataset.commentId);
      if (!comment) {
        return false;
      }
      var article = comment.querySelector(".comment-body");
      article.parentNode.insertBefore(respond, article.nextSibling);
      parentField.value = link.dataset.commentId;
      title.textContent = "Reply to " + link.dataset.authorName;
      cancel.hidden = false;
      lastReplyLink = link;
      if (body) {
        body.focus();
      }
      return true;
    }

    function cancelReply() {
      home.parentNode.insertBefore(respond, home.nextSibling);
      parentField.value = "";
      title.textContent = title.dataset.default;
      cancel.hidden = true;
      if (lastReplyLink) {
        lastReplyLink.focus();
        lastReplyLink = null;
      }
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest(".comment-reply-link");
      if (link && replyTo(link)) {
        event.preventDefault();
      } else if (event.target.closest("#cancel-comment-reply-link")) {
        event.preventDefault();
        cancelReply();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
