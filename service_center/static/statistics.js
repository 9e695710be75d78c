/* Statistics pages: sortable tables and ECharts charts (echarts.min.js is loaded before this file).
 *
 * Tables: every <table class="sortable"> sorts its body rows (the totals stay in its foot) by a column when its
 * header button is pressed; cells sort by their data-value (numbers; an empty value, a rate without
 * denominator, sorts last), else by their text.
 * Charts: the page's <script type="application/json" id="chart-data"> holds {trend, rankings}; each chart
 * element names its part with data-chart ("trend" or "ranking:<name>"). No inline script (CSP-friendly).
 */
(function () {
  "use strict";

  function cellKey(row, index) {
    var cell = row.cells[index];
    if (!cell) { return null; }
    var value = cell.getAttribute("data-value");
    if (value === null) { return cell.textContent.trim(); }
    return value === "" ? null : Number(value);
  }

  function compare(a, b) {
    if (a === null || b === null) { return a === b ? 0 : (a === null ? 1 : -1); }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), "zh-CN");
  }

  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    var descending = header.getAttribute("aria-sort") !== "descending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = cellKey(r1, index), b = cellKey(r2, index);
      if (a === null || b === null) { return compare(a, b); }  // empty values last either way
      return descending ? compare(b, a) : compare(a, b);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function makeSortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = th.querySelector("button.sort");
      if (button) { button.addEventListener("click", function () { sortBy(table, index, th); }); }
    });
  }

  function trendOption(trend) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 80, bottom: 30 },
      xAxis: { type: "category", data: trend.months },
      yAxis: [
        { type: "value", name: trend.count_axis, minInterval: 1 },
        { type: "value", name: trend.rate_axis, min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
      ],
      series: trend.series.map(function (s) {
        return { name: s.name, type: s.rate ? "line" : "bar", yAxisIndex: s.rate ? 1 : 0, data: s.data,
                 connectNulls: false };
      })
    };
  }

  function rankingOption(ranking) {
    var rows = ranking.rows.slice().reverse();  // best at the top of a horizontal bar chart
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 10, right: 40, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
      series: [{ name: ranking.name, type: "bar", data: rows.map(function (r) { return r.value; }),
                 label: { show: true, position: "right" } }]
    };
  }

  function drawCharts() {
    var source = document.getElementById("chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var name = element.getAttribute("data-chart");
      var option = null;
      if (name === "trend" && data.trend) { option = trendOption(data.trend); }
      if (name.indexOf("ranking:") === 0 && data.rankings && data.rankings[name.slice(8)]) {
        option = rankingOption(data.rankings[name.slice(8)]);
      }
      if (!option) { return; }
      var chart = echarts.init(element);
      chart.setOption(option);
      element.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.querySelectorAll("table.sortable").forEach(makeSortable);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  drawCharts();
}());
