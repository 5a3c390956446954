// decran: optional enhancements; every page works without this file.
// 1. Live refresh of sections marked data-refresh="SECONDS" (technician's boxes).
// 2. Instant filtering of the removal list while typing in the search box.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-refresh]").forEach(function (sec) {
    var s = parseInt(sec.getAttribute("data-refresh"), 10) * 1000;
    setInterval(function () {
      fetch(location.pathname, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(sec.id);
        if (fresh) sec.replaceChildren.apply(sec, Array.from(fresh.childNodes));
      }).catch(function () {});
    }, s);
  });
  var q = document.getElementById("f-q"), t = document.getElementById("slated");
  if (q && t) {
    q.addEventListener("input", function () {
      var v = q.value.toLowerCase();
      t.querySelectorAll("tbody tr").forEach(function (tr) {
        tr.hidden = v !== "" && tr.textContent.toLowerCase().indexOf(v) < 0;
      });
    });
  }
});
