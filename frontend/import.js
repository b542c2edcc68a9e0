// The import page (/import): send the file with the upload's progress shown, then show the
// server's answer (the counts and any refused lines). Without JavaScript the form posts as is.
(function () {
  "use strict";
  const form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const box = form.querySelector(".import-progress");
  const bar = document.getElementById("import-progress");
  const text = document.getElementById("import-progress-text");
  const button = form.querySelector("button[type=submit]");
  const lang = document.documentElement.lang || "en";
  const size = (n) => {
    const units = [["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]];
    for (const [unit, scale] of units) {
      if (n >= scale) return (n / scale).toLocaleString(lang, { maximumFractionDigits: 1 }) + " " + unit;
    }
    return n.toLocaleString(lang) + " B";
  };
  form.addEventListener("submit", (event) => {
    if (!form.checkValidity()) return;
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    box.hidden = false;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    request.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      bar.max = e.total;
      bar.value = e.loaded;
      text.textContent = form.dataset.sending.replace("{sent}", size(e.loaded)).replace("{total}", size(e.total));
    });
    request.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // indeterminate while the server checks and stores
      text.textContent = form.dataset.checking;
    });
    request.addEventListener("load", () => {
      document.open();
      document.write(request.responseText);
      document.close();
      window.scrollTo(0, 0);
    });
    request.addEventListener("error", () => {
      text.textContent = form.dataset.failed;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
    request.send(new FormData(form));
  });
})();
