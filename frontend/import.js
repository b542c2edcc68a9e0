// The import page (/import): send the file with the upload's progress shown, then the
// server's own progress while it checks and stores the lines (it reports them under the
// form's progress key; /import/progress/<key> answers this session only), then the server's
// answer (the counts and any refused lines). Without JavaScript the form posts as is.
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
  const POLL_MS = 400;
  // Grouped as the server writes numbers (Babel: "6.000" in Spanish too, not "6000").
  const count = (n) => Number(n).toLocaleString(lang, { useGrouping: "always" });
  // The server's progress; unknown (not started yet, or another server process) leaves the
  // bar moving without counts.
  const poll = async (state) => {
    if (state.done) return;
    try {
      const response = await fetch(form.dataset.progress, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.ok && !state.done) {
        const p = await response.json();
        if (p.phase === "checking" && p.total_bytes) {
          bar.max = p.total_bytes;
          bar.value = p.bytes;
          text.textContent = form.dataset.checked.replace("{n}", count(p.lines));
        } else if (p.phase === "storing" && p.total_lines) {
          bar.max = p.total_lines;
          bar.value = p.lines;
          text.textContent = form.dataset.storing
            .replace("{n}", count(p.lines))
            .replace("{total}", count(p.total_lines));
        }
      }
    } catch (error) {
      // the answer to the upload says what happened; progress is only a courtesy
    }
    if (!state.done) state.timer = setTimeout(() => poll(state), POLL_MS);
  };
  form.addEventListener("submit", (event) => {
    if (!form.checkValidity()) return;
    event.preventDefault();
    const request = new XMLHttpRequest();
    const state = { done: false, timer: null };
    const stop = () => {
      state.done = true;
      clearTimeout(state.timer);
    };
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
      bar.removeAttribute("value"); // indeterminate until the server reports its progress
      text.textContent = form.dataset.checking;
      poll(state);
    });
    request.addEventListener("load", () => {
      stop();
      document.open();
      document.write(request.responseText);
      document.close();
      window.scrollTo(0, 0);
    });
    request.addEventListener("error", () => {
      stop();
      text.textContent = form.dataset.failed;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
    request.send(new FormData(form));
  });
})();
