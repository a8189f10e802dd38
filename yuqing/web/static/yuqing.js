/* Live countdowns: every element with data-deadline (UTC ISO) shows the time left, updated each second.
   The page's server time (body data-now) corrects for a wrong client clock. No inline script (CSP). */
(function () {
  "use strict";
  var skew = 0;
  var serverNow = document.body.getAttribute("data-now");
  if (serverNow) {
    var t = Date.parse(serverNow);
    if (!isNaN(t)) { skew = t - Date.now(); }
  }
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function fmt(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (d ? d + "天" : "") + pad(h) + ":" + pad(m) + ":" + pad(sec);
  }
  function tick() {
    var now = Date.now() + skew;
    var els = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(deadline)) { continue; }
      var left = deadline - now;
      el.textContent = left > 0 ? "剩余 " + fmt(left) : "已超时 " + fmt(left);
      el.classList.toggle("overdue", left <= 0);
      el.classList.toggle("urgent", left > 0 && left <= 2 * 3600 * 1000);
      el.classList.toggle("warning", left > 2 * 3600 * 1000 && left <= 6 * 3600 * 1000);
    }
  }
  tick();
  window.setInterval(tick, 1000);
})();

/* The 待标注 page: one key per answer (data-key on each radio and button), Enter saves, x skips, z undoes. */
(function () {
  "use strict";
  var form = document.getElementById("label-form");
  var undo = document.getElementById("undo-form");
  if (!form && !undo) { return; }
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
              (t.tagName === "INPUT" && t.type !== "radio" && t.type !== "checkbox"))) { return; }
    var key = ev.key;
    if (key === "Enter" && form) { ev.preventDefault(); form.submit(); return; }
    var el = document.querySelector('[data-key="' + (key.length === 1 ? key.toLowerCase() : "") + '"]');
    if (!el) { return; }
    ev.preventDefault();
    if (el.tagName === "INPUT") { el.checked = true; el.focus(); }
    else if (el.form) { el.form.submit(); }
  });
})();
