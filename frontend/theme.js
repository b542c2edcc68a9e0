// Vínculo: the light or dark theme this browser chose, applied before the page is drawn
// (loaded in <head>, so no flash of the other theme). No choice: the system's, as Pico does.
(function () {
  "use strict";
  try {
    var chosen = window.localStorage.getItem("vinculo-theme");
    if (chosen === "light" || chosen === "dark") {
      document.documentElement.setAttribute("data-theme", chosen);
    }
  } catch (e) {
    // Storage refused (private mode, policy): the system's theme applies.
  }
})();
