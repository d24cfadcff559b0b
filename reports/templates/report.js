// Sort the heatmap by any index (best first) or by name; `#urut=<index>` in the address sorts on open.
(function () {
  var table = document.getElementById("heatmap");
  if (!table) { return; }
  function sortBy(key) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      if (key === "name") { return a.dataset.name.localeCompare(b.dataset.name, "id"); }
      var x = parseFloat(a.dataset[key]), y = parseFloat(b.dataset[key]);
      x = isNaN(x) ? -Infinity : x; y = isNaN(y) ? -Infinity : y;
      return y - x || a.dataset.name.localeCompare(b.dataset.name, "id");
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th button").forEach(function (button) {
      if (button.dataset.sort === key) { button.setAttribute("aria-sort", "descending"); }
      else { button.removeAttribute("aria-sort"); }
    });
    table.dataset.sortedBy = key;
  }
  table.querySelectorAll("th button").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button.dataset.sort); });
  });
  var wanted = /urut=([a-z_]+)/.exec(window.location.hash);
  if (wanted) { sortBy(wanted[1]); }
})();
