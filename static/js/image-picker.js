// "Insert image" beside the article form's section bodies and FAQ answers: a dialog
// listing the image library; choosing a picture writes its Markdown snippet,
// ![](image:NUMBER), as a paragraph of its own at the cursor. Textareas that may
// show pictures carry data-image-picker (the JSON list's address). Without
// JavaScript editors copy the snippet from the image library instead.
(function () {
  "use strict";

  var dialog = null;
  var list = null;
  var search = null;
  var status = null;
  var target = null;
  var searchTimer = null;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function insertSnippet(textarea, snippet) {
    var value = textarea.value;
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var before = value.slice(0, start).replace(/\s*$/, "");
    var after = value.slice(end).replace(/^\s*/, "");
    var block = (before ? "\n\n" : "") + snippet + (after ? "\n\n" : "\n");
    textarea.value = before + block + after;
    var cursor = before.length + block.length;
    textarea.setSelectionRange(cursor, cursor);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function choose(image) {
    var textarea = target;
    dialog.close();
    insertSnippet(textarea, image.snippet);
    textarea.focus();
  }

  function show(images) {
    list.replaceChildren();
    images.forEach(function (image) {
      var item = element("li");
      var button = element("button", "image-picker-choice");
      button.type = "button";
      var thumbnail = element("img");
      thumbnail.src = image.thumbnail;
      thumbnail.alt = "";
      thumbnail.width = 96;
      button.append(thumbnail, element("span", "", image.label + " (" + image.snippet + ")"));
      button.addEventListener("click", function () {
        choose(image);
      });
      item.append(button);
      list.append(item);
    });
    status.textContent = images.length
      ? images.length + (images.length === 1 ? " picture." : " pictures.")
      : "No picture found. Upload pictures in the image library.";
  }

  function load(url, query) {
    var address = url + (query ? "?q=" + encodeURIComponent(query) : "");
    status.textContent = "Loading…";
    fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data.images);
      })
      .catch(function () {
        status.textContent = "The image library could not be loaded.";
      });
  }

  function buildDialog() {
    dialog = element("dialog", "image-picker");
    dialog.setAttribute("aria-labelledby", "image-picker-title");
    var title = element("h2", "", "Insert an image from the library");
    title.id = "image-picker-title";
    var label = element("label", "", "Search descriptions and captions");
    label.htmlFor = "image-picker-search";
    search = element("input");
    search.type = "search";
    search.id = "image-picker-search";
    status = element("p", "image-picker-status");
    status.setAttribute("role", "status");
    list = element("ul", "image-picker-list");
    var close = element("button", "image-picker-close", "Close");
    close.type = "button";
    close.addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (target && document.activeElement === document.body) {
        target.focus();
      }
    });
    search.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () {
        load(target.dataset.imagePicker, search.value.trim());
      }, 250);
    });
    dialog.append(title, label, search, status, list, close);
    document.body.append(dialog);
  }

  function open(textarea) {
    if (!dialog) {
      buildDialog();
    }
    target = textarea;
    search.value = "";
    list.replaceChildren();
    dialog.showModal();
    load(textarea.dataset.imagePicker, "");
  }

  function addButton(textarea) {
    if (textarea.dataset.imagePickerReady || textarea.name.indexOf("__prefix__") !== -1) {
      return;
    }
    textarea.dataset.imagePickerReady = "true";
    var button = element("button", "image-picker-button", "Insert image");
    button.type = "button";
    if (textarea.id) {
      button.setAttribute("aria-describedby", textarea.id + "-picker-help");
      var help = element("span", "image-picker-help", "Adds a picture from the image library at the cursor.");
      help.id = textarea.id + "-picker-help";
      textarea.after(button, help);
    } else {
      textarea.after(button);
    }
    button.addEventListener("click", function () {
      open(textarea);
    });
  }

  function addButtons() {
    document.querySelectorAll("textarea[data-image-picker]").forEach(addButton);
  }

  document.addEventListener("DOMContentLoaded", addButtons);
  // The admin adds a section or FAQ row ("Add another") with this event.
  document.addEventListener("formset:added", addButtons);
})();
