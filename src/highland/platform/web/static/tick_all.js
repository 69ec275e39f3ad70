// A "tick all" box (#tick-all) ticks or clears every box named ids (a file, not an inline
// handler: the CSP allows scripts from this site only).
(function () {
  var all = document.getElementById("tick-all");
  if (!all) return;
  all.addEventListener("click", function () {
    document.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = all.checked; });
  });
})();
