// Vínculo progressive enhancement. Every page works without JavaScript;
// this file only marks that scripts run, so styles can adapt.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
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
