/* The hall board (大厅显示屏): fetch today's figures per window every data-refresh seconds and update the table
 * in place (no full reload). Text is set with textContent only. When a fetch fails (network, signed out), the
 * last figures stay on screen and the board is marked stale until the next fetch succeeds.
 */
(function () {
  "use strict";

  var board = document.getElementById("hall-board");
  if (!board) { return; }
  var url = board.getAttribute("data-url");
  var seconds = Math.max(5, Number(board.getAttribute("data-refresh")) || 30);
  var body = board.querySelector("tbody");
  var totals = board.querySelector("tfoot tr");
  var stamp = document.getElementById("hall-board-updated");
  var COLUMNS = ["received", "closed", "waiting", "overdue", "satisfaction"];

  function text(value, suffix) {
    return value === null || value === undefined ? "—" : String(value) + (suffix || "");
  }

  function fill(row, figures) {
    COLUMNS.forEach(function (name) {
      var cell = row.querySelector("[data-measure=" + name + "]");
      cell.textContent = text(figures[name], name === "satisfaction" ? "%" : "");
      cell.classList.toggle("alert", name === "overdue" && figures[name] > 0);
    });
  }

  function windowRow(counter) {
    var row = document.createElement("tr");
    row.setAttribute("data-window", counter.number);
    var name = document.createElement("th");
    name.scope = "row";
    name.textContent = counter.number + " " + counter.name;
    row.appendChild(name);
    COLUMNS.forEach(function (measure) {
      var cell = document.createElement("td");
      cell.setAttribute("data-measure", measure);
      row.appendChild(cell);
    });
    fill(row, counter);
    return row;
  }

  function render(data) {
    var rows = data.windows.map(windowRow);
    while (body.firstChild) { body.removeChild(body.firstChild); }
    rows.forEach(function (row) { body.appendChild(row); });
    fill(totals, data.totals);
    stamp.textContent = data.as_of_label;
    board.classList.remove("stale");
    board.setAttribute("data-updated", data.as_of);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "error" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(render)
      .catch(function () { board.classList.add("stale"); });
  }

  window.setInterval(refresh, seconds * 1000);
  refresh();
}());
