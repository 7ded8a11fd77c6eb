// "Reply" without a page load: move the comment form under the comment being
// answered. Without JavaScript the Reply link (?replyto=ID#respond) does the same
// through the server.
(function () {
  "use strict";

  function setUp() {
    var respond = document.getElementById("respond");
    var home = document.getElementById("respond-home");
    var form = document.getElementById("commentform");
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
