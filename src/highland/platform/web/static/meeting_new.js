// The meeting form's "add a row" button (a file, not an inline script: the CSP allows
// scripts from this site only).
document.getElementById("add-row").addEventListener("click", function () {
  var body = document.getElementById("rows-body");
  var rows = body.querySelectorAll("tr.demand-row");
  var copy = rows[rows.length - 1].cloneNode(true);
  copy.querySelectorAll("input, textarea").forEach(function (el) { el.value = ""; });
  copy.querySelectorAll("select").forEach(function (el) {
    el.selectedIndex = el.name === "row_priority" ? Math.max(0, Array.prototype.findIndex.call(el.options, function (o) { return o.value === "normal"; })) : 0;
  });
  copy.querySelector("td.n").textContent = rows.length + 1;
  body.appendChild(copy);
  copy.querySelector("input").focus();
});
