// Ordered rows (an article's sections and FAQs) in the admin's change form:
// Expand all / Collapse all, drag and drop, and Move up / Move down buttons whose
// result is announced in the group's live region. Each move renumbers the rows'
// position inputs 1, 2, 3...; the database checks (article, position) only at commit,
// so rows may swap numbers in one save. Without this script every row is still a
// <details> and its position an input editors can type in: nothing depends on it.
(function () {
  "use strict";

  var t = window.gettext || function (text) { return text; };
  function fill(format, values) {
    return window.interpolate ? window.interpolate(format, values, true) : format;
  }

  function liveRows(group) {
    return Array.prototype.filter.call(
      group.querySelectorAll(".inline-related.ordered-row"),
      function (row) { return !row.classList.contains("empty-form"); }
    );
  }

  function field(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }

  function titleInput(row) {
    return field(row, "heading") || field(row, "question");
  }

  function isUntouchedNewRow(row) {
    // An extra row nobody typed in is ignored by Django; a position would make it
    // "changed" and then incomplete, so it gets none.
    if (row.classList.contains("has_original")) {
      return false;
    }
    return !Array.prototype.some.call(
      row.querySelectorAll("input[type=text], input[type=number], textarea"),
      function (input) { return input.value.trim() !== ""; }
    );
  }

  function isDeleted(row) {
    var box = field(row, "DELETE");
    return Boolean(box && box.checked);
  }

  function numberedRows(group) {
    return liveRows(group).filter(function (row) {
      return !isUntouchedNewRow(row) && !isDeleted(row);
    });
  }

  function rowTitle(row) {
    var input = titleInput(row);
    return (input && input.value.trim()) || t("(new)");
  }

  function refreshSummary(row) {
    var position = field(row, "position");
    row.querySelector(".ordered-row-position").textContent = position ? position.value : "";
    row.querySelector(".ordered-row-title").textContent = rowTitle(row);
  }

  function renumber(group) {
    numberedRows(group).forEach(function (row, index) {
      var position = field(row, "position");
      if (position) {
        position.value = String(index + 1);
      }
    });
    liveRows(group).forEach(refreshSummary);
  }

  function announce(group, row) {
    var rows = numberedRows(group);
    var status = group.querySelector(".ordered-rows-status");
    status.textContent = fill(t("%(title)s moved to position %(position)s of %(count)s."), {
      title: rowTitle(row),
      position: rows.indexOf(row) + 1,
      count: rows.length,
    });
  }

  function move(group, row, step) {
    var rows = liveRows(group);
    var index = rows.indexOf(row);
    var target = rows[index + step];
    if (!target) {
      group.querySelector(".ordered-rows-status").textContent = fill(
        step < 0 ? t("%(title)s is already first.") : t("%(title)s is already last."),
        { title: rowTitle(row) }
      );
      return;
    }
    target.parentNode.insertBefore(row, step < 0 ? target : target.nextSibling);
    renumber(group);
    announce(group, row);
  }

  function button(label, className) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button ordered-row-button " + className;
    element.textContent = label;
    return element;
  }

  function addRowTools(group, row) {
    var bar = row.querySelector(".ordered-row-bar");
    if (!bar || bar.querySelector(".ordered-row-move")) {
      return;
    }
    var handle = document.createElement("span");
    handle.className = "ordered-row-handle";
    handle.draggable = true;
    handle.title = t("Drag to reorder");
    handle.setAttribute("aria-hidden", "true");
    handle.textContent = "\u2630";

    var moves = document.createElement("span");
    moves.className = "ordered-row-move";
    [[t("Move up"), "move-up", -1], [t("Move down"), "move-down", 1]].forEach(function (spec) {
      var control = button(spec[0], spec[1]);
      control.dataset.label = spec[0];
      control.addEventListener("click", function () {
        move(group, row, spec[2]);
        // Moving the row in the document can drop the focus: keep it on the button.
        control.focus();
      });
      moves.appendChild(control);
    });
    bar.insertBefore(moves, bar.firstChild);
    bar.insertBefore(handle, bar.firstChild);
    refreshButtonTitles(row);

    handle.addEventListener("dragstart", function (event) {
      group.draggedRow = row;
      row.classList.add("is-dragged");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", rowTitle(row));
      event.dataTransfer.setDragImage(row, 16, 16);
    });
    handle.addEventListener("dragend", function () {
      row.classList.remove("is-dragged");
      if (group.draggedRow === row) {
        group.draggedRow = null;
        renumber(group);
        announce(group, row);
      }
    });
  }

  function refreshButtonTitles(row) {
    // "Move up" is what sighted users read; a screen reader hears which row moves.
    Array.prototype.forEach.call(row.querySelectorAll(".ordered-row-move button"), function (control) {
      control.setAttribute("aria-label", control.dataset.label + ": " + rowTitle(row));
    });
  }

  function setUpDropping(group) {
    group.addEventListener("dragover", function (event) {
      var dragged = group.draggedRow;
      var target = event.target.closest && event.target.closest(".inline-related.ordered-row");
      if (!dragged || !target || target.classList.contains("empty-form")) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      if (target === dragged) {
        return;
      }
      var box = target.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      target.parentNode.insertBefore(dragged, after ? target.nextSibling : target);
    });
    group.addEventListener("drop", function (event) {
      if (group.draggedRow) {
        event.preventDefault();
      }
    });
  }

  function setUpGroupTools(group) {
    var tools = group.querySelector(".ordered-rows-tools");
    var plural = group.dataset.rowNamePlural;
    [[t("Expand all %(rows)s"), true], [t("Collapse all %(rows)s"), false]].forEach(function (spec) {
      var control = button(fill(spec[0], { rows: plural }), spec[1] ? "expand-all" : "collapse-all");
      control.addEventListener("click", function () {
        liveRows(group).forEach(function (row) {
          row.querySelector("details").open = spec[1];
        });
      });
      tools.appendChild(control);
    });
    tools.hidden = false;
  }

  function setUp(group) {
    setUpGroupTools(group);
    setUpDropping(group);
    liveRows(group).forEach(function (row) { addRowTools(group, row); });
    group.addEventListener("input", function (event) {
      var row = event.target.closest(".inline-related.ordered-row");
      if (row && /-(position|heading|question)$/.test(event.target.name || "")) {
        refreshSummary(row);
        refreshButtonTitles(row);
      }
    });
  }

  // Removing a new row with Django's "×" renumbers the remaining rows' form indexes
  // in document order, and Django takes the first INITIAL_FORMS indexes for the
  // saved rows. So the rows go back to index order just before that (capture phase,
  // ahead of Django's handler), and back to position order just after.
  function formIndex(row) {
    return parseInt(row.id.slice(row.id.lastIndexOf("-") + 1), 10);
  }

  function positionOf(row) {
    var input = field(row, "position");
    var value = input ? parseInt(input.value, 10) : NaN;
    return isNaN(value) ? Infinity : value;
  }

  function arrange(group, key) {
    var rows = liveRows(group);
    var template = group.querySelector(".inline-related.empty-form");
    rows
      .map(function (row, order) { return { row: row, key: key(row), order: order }; })
      .sort(function (a, b) { return a.key - b.key || a.order - b.order; })
      .forEach(function (item) { item.row.parentNode.insertBefore(item.row, template); });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".inline-deletelink");
    var group = link && link.closest(".ordered-rows");
    if (group) {
      arrange(group, formIndex);
      window.setTimeout(function () { arrange(group, positionOf); }, 0);
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".ordered-rows"), setUp);
  });

  // A row added with "Add another": Django's inline script clones the empty form.
  document.addEventListener("formset:added", function (event) {
    var row = event.target;
    var group = row.closest && row.closest(".ordered-rows");
    if (group) {
      addRowTools(group, row);
      refreshSummary(row);
    }
  });
})();
