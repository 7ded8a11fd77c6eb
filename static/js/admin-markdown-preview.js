// Live Markdown preview in the article form: beside each textarea marked
// data-markdown-preview (section bodies, FAQ answers, references), the HTML the page
// will show, rendered and sanitised by the site itself (the admin's preview endpoint,
// POST with the form's CSRF token). It follows typing after a short pause and writes
// nothing; if the endpoint cannot answer, the preview says so and the form works on.
(function () {
  "use strict";

  var PAUSE_MS = 400;
  var t = window.gettext || function (text) { return text; };
  var count = 0;

  function csrfToken(textarea) {
    var form = textarea.form || document;
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function labelText(textarea) {
    var label = textarea.id && document.querySelector("label[for='" + textarea.id + "']");
    return label ? label.textContent.replace(/:\s*$/, "").trim() : t("text");
  }

  function build(textarea) {
    count += 1;
    var region = document.createElement("section");
    region.className = "markdown-preview";
    var headingId = "markdown-preview-heading-" + count;
    region.setAttribute("aria-labelledby", headingId);
    // It scrolls when long: keyboard users must be able to reach and scroll it.
    region.tabIndex = 0;

    var heading = document.createElement("p");
    heading.className = "markdown-preview-heading";
    heading.id = headingId;
    // In a section or FAQ, which one: "Preview of Body (How withdrawal starts)".
    var row = textarea.closest(".ordered-row");
    var title = row && row.querySelector("[name$='-heading'], [name$='-question']");
    heading.textContent = interpolateText(t("Preview of %(field)s"), { field: labelText(textarea) }) +
      (title && title.value.trim() ? " (" + title.value.trim() + ")" : "");
    region.appendChild(heading);

    var body = document.createElement("div");
    body.className = "markdown-preview-body article-body";
    region.appendChild(body);

    var status = document.createElement("p");
    status.className = "markdown-preview-status";
    status.setAttribute("role", "status");
    region.appendChild(status);

    var container = textarea.parentNode;
    container.classList.add("has-markdown-preview");
    container.insertBefore(region, textarea.nextSibling);
    return { region: region, body: body, status: status };
  }

  function interpolateText(format, values) {
    return window.interpolate ? window.interpolate(format, values, true) : format;
  }

  function attach(textarea) {
    var preview = null;
    var timer = null;
    var sent = null;
    var controller = null;

    function render() {
      var text = textarea.value;
      if (text === sent) {
        return;
      }
      sent = text;
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      var data = new FormData();
      data.append("text", text);
      preview.region.classList.add("is-loading");
      fetch(textarea.dataset.markdownPreview, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(textarea), "X-Requested-With": "fetch" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response.json().catch(function () {
            return { error: t("The preview is not available just now.") };
          }).then(function (payload) {
            if (!response.ok && !payload.error) {
              payload.error = t("The preview is not available just now.");
            }
            return payload;
          });
        })
        .then(function (payload) {
          preview.region.classList.remove("is-loading");
          if (payload.error) {
            preview.status.textContent = payload.error;
            preview.region.classList.add("has-error");
            // Let a retry with the same text go out.
            sent = null;
            return;
          }
          preview.region.classList.remove("has-error");
          preview.status.textContent = "";
          // Sanitised by the server (nh3), as the page itself shows it.
          preview.body.innerHTML = payload.html;
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return;
          }
          preview.region.classList.remove("is-loading");
          preview.region.classList.add("has-error");
          preview.status.textContent = t("The preview is not available just now.");
          sent = null;
        });
    }

    function start() {
      if (!preview) {
        preview = build(textarea);
      }
      render();
    }

    textarea.addEventListener("input", function () {
      if (!preview) {
        preview = build(textarea);
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(render, PAUSE_MS);
    });

    // Rows folded away are previewed when opened, not all at once on load.
    var details = textarea.closest("details");
    if (details && !details.open) {
      details.addEventListener("toggle", function () {
        if (details.open) {
          start();
        }
      });
    } else {
      start();
    }
  }

  function setUp(root) {
    Array.prototype.forEach.call(
      root.querySelectorAll("textarea[data-markdown-preview]"),
      function (textarea) {
        if (!textarea.closest(".empty-form") && !textarea.dataset.previewAttached) {
          textarea.dataset.previewAttached = "true";
          attach(textarea);
        }
      }
    );
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("formset:added", function (event) { setUp(event.target); });
})();
