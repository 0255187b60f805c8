// Sortable and filterable tables: <table class="sortable"> with <button data-sort> headings,
// cells with data-value, and an <input data-filter="table-id"> that filters rows as you type.
(function () {
  "use strict";

  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    var raw = cell.getAttribute("data-value");
    if (raw === null) {
      raw = cell.textContent.trim();
    }
    return kind === "num" ? parseFloat(raw) : raw.toLocaleLowerCase();
  }

  function sortBy(table, th, kind) {
    var headings = Array.prototype.slice.call(th.parentNode.children);
    var index = headings.indexOf(th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    headings.forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, kind);
      var y = cellValue(b, index, kind);
      var order = kind === "num" ? x - y : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  // As forewarn.i18n.search_key: lower case, accents dropped ("Türkiye" finds "turkiye").
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function filter(table, input) {
    var wanted = fold(input.value.trim());
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var match = !wanted || (row.getAttribute("data-name") || "").indexOf(wanted) !== -1;
      row.hidden = !match;
      shown += match ? 1 : 0;
    });
    var counter = document.getElementById(table.getAttribute("data-count"));
    var text = table.getAttribute("data-count-text");
    if (counter && text) {
      counter.textContent = text.replace("{shown}", shown).replace("{total}", table.getAttribute("data-total"));
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.querySelectorAll("th button[data-sort]"), function (button) {
      button.addEventListener("click", function () {
        sortBy(table, button.parentNode, button.getAttribute("data-sort"));
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    if (table) {
      input.addEventListener("input", function () { filter(table, input); });
    }
  });
})();
