// Vínculo progressive enhancement. Every page works without JavaScript; this file marks
// that scripts run (so styles can adapt), opens and closes the menu on a phone, and
// switches between the light and dark themes, remembering the choice in this browser.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  // The menu: on a narrow screen it folds behind one button.
  var header = document.querySelector(".site-header");
  var toggle = document.querySelector(".menu-toggle");
  if (header && toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        header.classList.remove("menu-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // Light / dark: the button names the theme it switches to.
  var themeButton = document.querySelector(".theme-toggle");
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function current() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "light" || chosen === "dark") return chosen;
    return system && system.matches ? "dark" : "light";
  }
  function label() {
    if (!themeButton) return;
    var dark = current() === "dark";
    themeButton.textContent = dark ? themeButton.dataset.light : themeButton.dataset.dark;
    themeButton.setAttribute("aria-pressed", dark ? "true" : "false");
  }
  if (themeButton) {
    themeButton.hidden = false;
    label();
    themeButton.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        window.localStorage.setItem("vinculo-theme", next);
      } catch (e) {
        // Not remembered; the switch still applies to this page.
      }
      label();
    });
    if (system && system.addEventListener) system.addEventListener("change", label);
  }
})();

// "/" puts the cursor in the header's search box, as in most tools (not while typing).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) {
      return;
    }
    var box = document.getElementById("site-search");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
