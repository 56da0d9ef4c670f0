(function () {
  "use strict";

  // Sortable tables: click a header to sort by it, click again to reverse.
  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (!numeric) { return raw.toLowerCase(); }
    return raw === "" ? null : parseFloat(raw);
  }

  function compare(a, b, numeric) {
    if (a === b) { return 0; }
    if (a === null) { return 1; }
    if (b === null) { return -1; }
    return numeric ? a - b : a.localeCompare(b);
  }

  function sortTable(table, th) {
    var index = th.cellIndex;
    var numeric = th.getAttribute("data-type") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
      return { row: row, key: cellKey(row, index, numeric), position: position };
    });
    rows.sort(function (a, b) {
      var order = compare(a.key, b.key, numeric);
      if (order !== 0 && a.key !== null && b.key !== null && !ascending) { order = -order; }
      return order !== 0 ? order : a.position - b.position;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.addEventListener("click", function () { sortTable(table, th); });
    });
  });

  // Findings filter: severity checkboxes and free text.
  var findings = document.getElementById("findings-table");
  if (findings) {
    var boxes = document.querySelectorAll(".severity-filter input[type=checkbox]");
    var text = document.getElementById("finding-filter");
    var count = document.getElementById("finding-count");
    var empty = document.getElementById("findings-empty");
    var apply = function () {
      var wanted = {};
      Array.prototype.forEach.call(boxes, function (box) { wanted[box.value] = box.checked; });
      var query = text.value.trim().toLowerCase();
      var rows = findings.tBodies[0].rows;
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var visible = wanted[row.getAttribute("data-severity")] === true &&
          (query === "" || row.textContent.toLowerCase().indexOf(query) !== -1);
        row.hidden = !visible;
        if (visible) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " shown";
      empty.hidden = shown !== 0;
    };
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", apply); });
    text.addEventListener("input", apply);
    apply();
  }

  // Charts: plotly figures stored as JSON beside their container, drawn one per tick.
  if (typeof Plotly === "undefined") { return; }
  var specs = Array.prototype.slice.call(document.querySelectorAll("script.pw-figure"));
  var config = {
    displaylogo: false, responsive: true, showLink: false, showSendToCloud: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
  };
  var next = function () {
    var spec = specs.shift();
    if (!spec) { return; }
    var target = document.getElementById(spec.getAttribute("data-target"));
    var figure = JSON.parse(spec.textContent);
    Plotly.newPlot(target, figure.data, figure.layout, config);
    window.setTimeout(next, 0);
  };
  next();
})();
