// Small progressive enhancements. No inline scripts anywhere (strict CSP); every page works without this.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print]") : null;
    if (el) { event.preventDefault(); window.print(); }
  });
  // Wide tables scroll sideways: make each such region reachable and scrollable by keyboard (WCAG 2.1.1).
  function focusableScrollRegions(root) {
    (root || document).querySelectorAll(".table-wrap").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("role", "region");
        if (!el.hasAttribute("aria-label")) {
          var caption = el.querySelector("caption");
          el.setAttribute("aria-label", caption ? caption.textContent.trim() : "Tabell");
        }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { focusableScrollRegions(document); });
  // event.target is the swapped-in element: after an outerHTML swap event.detail.target is the removed old one.
  document.addEventListener("htmx:afterSettle", function (event) { focusableScrollRegions(event.target); });
  // After an HTMX swap of a results region, announce for screen readers its short summary followed by the notes and
  // warnings that come with it ([data-live-note]: ignored parameters, stale sources) – not the whole region. A swap
  // with neither (an out-of-band field, suggestions) leaves the announcement alone.
  function spoken(el) { return el.textContent.replace(/\s+/g, " ").trim(); }
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.target;
    var region = document.getElementById("live-region");
    if (!region || !root.querySelectorAll) { return; }
    var summary = root.matches("[data-live-summary]") ? root : root.querySelector("[data-live-summary]");
    var parts = summary ? [summary] : [];
    root.querySelectorAll("[data-live-note]").forEach(function (el) { parts.push(el); });
    var text = parts.map(spoken).filter(Boolean).join(" ");
    if (text) { region.textContent = text; }
  });
})();
