// Vínculo progressive enhancement. Every page works without JavaScript;
// this file only marks that scripts run, so styles can adapt.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
})();
