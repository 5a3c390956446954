// decran: optional enhancements; every page works without this file.
// 1. Live refresh of sections marked data-refresh="SECONDS" (technician's boxes).
// 2. Instant filtering of the removal list while typing in the search box.
// 3. A box page's relay tests followed step by step from its tests.json.
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
  var box = document.querySelector("[data-tests]");
  if (box && box.getAttribute("data-running") === "1") {
    var poll = function () {
      fetch(box.getAttribute("data-tests"), { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (j) {
        if (!j) return;
        j.tests.forEach(function (t) {
          var el = document.getElementById("test-" + t.channel);
          if (!el) return;
          var v = el.querySelector(".verdict");
          v.textContent = t.verdict;
          v.className = "verdict" + (t.ok > 0 ? " ok" : t.ok < 0 ? " bad" : "");
          el.querySelector(".at").textContent = t.at;
          el.querySelector(".steps").textContent = t.steps;
          var why = el.querySelector(".why");
          why.querySelector("span").textContent = t.why;
          why.hidden = !t.why;
        });
        box.setAttribute("data-running", j.running ? "1" : "0");
        if (j.running) setTimeout(poll, 1000);
      }).catch(function () {});
    };
    setTimeout(poll, 500);
  }
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
