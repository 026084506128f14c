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
  // One rule for htmx actions (issue #14 points 1 and 3). While a request is in flight the global indicator
  // (#vf-arbetar, hx-indicator on body) says "Sparar…" for a change and "Hämtar…" for a read, and the form's buttons
  // are disabled (like hx-disabled-elt, for every form at once; an inherited hx-disabled-elt would log an error on
  // every link and poll without a button). A 422 or 409 answer is swapped (responseHandling in base.html): its
  // message ([data-fokus], role=alert) takes the focus, so a keyboard or screen-reader user lands on it.
  // What the user asked for: a form's own fields (hidden ones are the server's echo, e.g. the chosen KVÅ group that
  // an answer updates out of band), or the link's URL.
  function requestKey(detail) {
    var params = new URLSearchParams();
    var form = detail.elt.tagName === "FORM" ? detail.elt : null;
    if (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.type !== "hidden" && el.type !== "submit" && ((el.type !== "checkbox" && el.type !== "radio") || el.checked)) {
          params.append(el.name, el.value);
        }
      });
    } else if (detail.formData) {
      detail.formData.forEach(function (v, k) { if (typeof v === "string") { params.append(k, v); } });
    }
    return detail.verb + " " + detail.path + "?" + params.toString();
  }
  // Enter in a filter form's text field fires "change" and then "submit" in the same keypress: a form that updates on
  // change (hx-trigger "change, submit") has already asked, so the submit is not passed on (htmx would queue it and
  // send it after the first answer, with the fields that answer changed).
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form) { form.vfAndrad = Date.now(); }
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var trigger = form.getAttribute("hx-trigger") || "";
    if (form.vfAndrad && Date.now() - form.vfAndrad < 50 && /(^|,)\s*change\s*(,|$)/.test(trigger)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("htmx:configRequest", function (event) {
    // A read identical to the one the same element sent a moment ago is not sent again: Enter in a search field
    // fires both the submit and the delayed "as you type" trigger, one request is enough.
    var elt = event.detail.elt;
    if (event.detail.verb !== "get") { return; }
    var key = requestKey(event.detail);
    if (elt.vfSenaste && elt.vfSenaste.key === key && Date.now() - elt.vfSenaste.tid < 1500) {
      event.preventDefault();
      return;
    }
    elt.vfSenaste = { key: key, tid: Date.now() };
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    var indicator = document.getElementById("vf-arbetar");
    if (indicator) { indicator.classList.toggle("arbetar--hamtar", verb === "get"); }
    var form = elt.tagName === "FORM" ? elt : elt.form || null;
    if (form && verb !== "get") {
      form.setAttribute("aria-busy", "true");
      form.querySelectorAll("button, input[type=submit]").forEach(function (b) {
        if (!b.disabled) { b.disabled = true; b.setAttribute("data-vf-disabled", ""); }
      });
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (event.detail.failed) { elt.vfSenaste = null; }
    var form = elt.tagName === "FORM" ? elt : elt.form || null;
    if (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[data-vf-disabled]").forEach(function (b) { b.disabled = false; b.removeAttribute("data-vf-disabled"); });
    }
  });
  function fokusera() {
    var fokus = document.querySelector("[data-fokus]");
    if (fokus) {
      fokus.removeAttribute("data-fokus");
      if (!fokus.hasAttribute("tabindex")) { fokus.setAttribute("tabindex", "-1"); }
      fokus.focus();
    }
  }
  document.addEventListener("htmx:afterSettle", fokusera);
  document.addEventListener("DOMContentLoaded", fokusera);
})();
