// bulkhead's HTML report: the findings' filters and, for big matrices, the
// grid drawn on a canvas. Plain script, no library, nothing fetched.
(function () {
  "use strict";
  var order = ["info", "low", "medium", "high", "critical"];

  // Findings: severity at least, layer, tenant ("*" names every tenant).
  var sev = document.getElementById("f-severity");
  var layer = document.getElementById("f-layer");
  var tenant = document.getElementById("f-tenant");
  var count = document.getElementById("f-count");
  var rows = document.querySelectorAll("table.findings tbody tr");

  function filter() {
    var min = sev.value ? order.indexOf(sev.value) : -1;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = order.indexOf(r.dataset.severity) >= min &&
        (!layer.value || r.dataset.layer === layer.value);
      if (ok && tenant.value) {
        var ts = r.dataset.tenants.split(" ");
        ok = ts.indexOf(tenant.value) >= 0 || ts.indexOf("*") >= 0;
      }
      r.classList.toggle("hidden", !ok);
      if (ok) shown++;
    }
    count.textContent = shown + " of " + rows.length + " shown";
  }
  [sev, layer, tenant].forEach(function (s) { s.addEventListener("change", filter); });

  // A link to a finding the filters hide clears them.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.classList.contains("hidden")) {
      sev.value = layer.value = tenant.value = "";
      filter();
      el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();

  // The big grid: a block of pixels per pair, coloured by its verdict.
  var data = document.getElementById("grid-data");
  var canvas = document.getElementById("grid-canvas");
  if (!data || !canvas) return;
  var m = JSON.parse(data.textContent);
  var n = m.tenants.length;
  var px = Math.max(2, Math.min(12, Math.floor(1200 / n))); // pixels a side of a pair: big enough to point at
  canvas.width = canvas.height = n * px;
  var colours = { c: [183, 28, 28], h: [229, 57, 53], m: [251, 140, 0], l: [253, 216, 53], i: [144, 164, 174],
    ".": [238, 243, 238], "-": [200, 205, 210] };
  var ctx = canvas.getContext("2d");
  var img = ctx.createImageData(n * px, n * px);
  for (var a = 0; a < n; a++) {
    var row = m.grid[a] || "";
    for (var b = 0; b < n; b++) {
      var rgb = colours[row.charAt(b)] || colours["."];
      for (var dy = 0; dy < px; dy++) {
        var o = ((a * px + dy) * n * px + b * px) * 4;
        for (var dx = 0; dx < px; dx++, o += 4) {
          img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2]; img.data[o + 3] = 255;
        }
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  var cells = {};
  m.cells.forEach(function (c) { cells[c[0] * n + c[1]] = c[2]; });
  var names = { c: "critical", h: "high", m: "medium", l: "low", i: "info", ".": "isolated", "-": "itself" };
  var hover = document.getElementById("grid-hover");
  function pair(e) {
    var r = canvas.getBoundingClientRect(); // the border box: the grid is in its content
    var scale = canvas.width / canvas.clientWidth;
    var b = Math.floor((e.clientX - r.left - canvas.clientLeft) * scale / px),
      a = Math.floor((e.clientY - r.top - canvas.clientTop) * scale / px);
    return a >= 0 && a < n && b >= 0 && b < n ? [a, b] : null;
  }
  canvas.addEventListener("mousemove", function (e) {
    var p = pair(e);
    if (!p) return;
    var v = names[(m.grid[p[0]] || "").charAt(p[1])] || "isolated";
    hover.textContent = m.tenants[p[0]] + " → " + m.tenants[p[1]] + ": " + v +
      (cells[p[0] * n + p[1]] === undefined && v !== "isolated" && v !== "itself" ? " (not listed: bulkhead paths)" : "");
  });
  canvas.addEventListener("click", function (e) {
    var p = pair(e);
    var id = p && cells[p[0] * n + p[1]];
    if (id !== undefined && id !== null) location.hash = "c-" + id;
  });
})();
