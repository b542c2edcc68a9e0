// Vínculo form helpers, bundled by esbuild (frontend/build.mjs) into static/js/forms.js.
// Every page works without them; they only make feedback come sooner:
//  - the report form shows, as the analyst chooses, the banner the report will carry;
//  - changing an entity row's kind shows that kind's fields (the form's own refresh button);
//  - typing a name suggests existing entities the analyst may see (/reports/new/suggest);
//  - CURP, RFC and phone fields are checked as typed, by the server's own check
//    (/reports/new/check: python-stdnum and phonenumbers, the same code filing runs, so the
//    page and the filing cannot disagree); filing checks them again;
//  - a form marked data-busy shows that it is working once submitted (the network pages).

const SEP = " // ";

function sorted(values) {
  return [...values].sort();
}

// The banner text, as Python's Markings and templates/_marking.html write it.
export function bannerText({ tlp, relTo, orcon, originator, groups }) {
  let text = `TLP:${tlp}${SEP}REL TO ${sorted(relTo).join(", ")}`;
  if (orcon) text += `${SEP}ORCON (${originator})`;
  if (groups.length) text += `${SEP}${sorted(groups).join(", ")}`;
  return text;
}

function tlpClass(tlp) {
  return `tlp-${tlp.toLowerCase().replace("+", "-")}`;
}

function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]`)]
    .filter((input) => input.type === "hidden" || input.checked)
    .map((input) => input.value);
}

function markingPreview(form) {
  const box = document.getElementById("marking-preview");
  if (!box) return;
  const update = () => {
    const tlp = form.querySelector("select[name=tlp]")?.value || "AMBER";
    const relTo = new Set(checkedValues(form, "rel_to"));
    if (box.dataset.own) relTo.add(box.dataset.own);
    const orcon = Boolean(form.querySelector("input[name=orcon]")?.checked);
    const groups = checkedValues(form, "groups");
    const banner = document.createElement("div");
    banner.className = `marking-banner ${tlpClass(tlp)}`;
    banner.setAttribute("role", "note");
    banner.textContent = bannerText({
      tlp,
      relTo,
      orcon,
      originator: box.dataset.originator || "",
      groups,
    });
    box.replaceChildren(banner);
  };
  form.addEventListener("change", (event) => {
    if (event.target.closest(".entity-row")) return;
    update();
  });
  update();
}

function entityRows(form) {
  for (const row of form.querySelectorAll(".entity-row")) {
    const schema = row.querySelector("select.entity-schema");
    const refresh = row.querySelector("button.refresh-fields");
    if (schema && refresh) {
      refresh.hidden = true;
      schema.addEventListener("change", () => refresh.click());
    }
    suggestions(row, schema);
  }
}

function suggestions(row, schema) {
  const name = row.querySelector("input.entity-name");
  const list = row.querySelector("ul.entity-suggestions");
  const existing = row.querySelector("input.entity-existing");
  const link = row.querySelector(".entity-link");
  const url = document.querySelector("form.report-form")?.dataset.suggest;
  if (!name || !list || !existing || !url) return;
  let timer = null;
  let asked = "";
  const strings = document.querySelector("form.report-form").dataset;
  const ask = async () => {
    const q = name.value.trim();
    if (q.length < 3 || q === asked || existing.value) {
      if (q.length < 3) list.hidden = true;
      return;
    }
    asked = q;
    const params = new URLSearchParams({ q, schema: schema ? schema.value : "" });
    try {
      const response = await fetch(`${url}?${params}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const { items } = await response.json();
      list.replaceChildren();
      for (const item of items) {
        const li = document.createElement("li");
        const use = document.createElement("button");
        use.type = "button";
        use.className = "secondary outline compact";
        use.textContent = strings.use || "Use";
        use.addEventListener("click", () => {
          existing.value = item.id;
          name.value = item.caption;
          list.hidden = true;
          const note = document.createElement("p");
          note.className = "notice";
          note.textContent = `${strings.linked || ""} ${item.caption} (${item.id})`;
          link.replaceChildren(note);
        });
        const open = document.createElement("a");
        open.href = `/entities/${encodeURIComponent(item.id)}`;
        open.target = "_blank";
        open.rel = "noopener";
        open.textContent = item.caption;
        li.append(open, ` · ${item.schema_label} `, use);
        list.append(li);
      }
      list.hidden = items.length === 0;
    } catch (error) {
      list.hidden = true;
    }
  };
  name.addEventListener("input", () => {
    if (existing.value) {
      existing.value = "";
      link.replaceChildren();
    }
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
}

// How long typing pauses before a value is checked, and the least a value must hold before a
// check while typing is worth its answer (on leaving the field every value is checked).
const CHECK_PAUSE_MS = 350;
const COMPLETE = {
  idNumber: (v) => v.replace(/[\s.-]/g, "").length >= 18,
  taxNumber: (v) => v.replace(/[\s.-]/g, "").length >= 12,
};
const REGION_FIELDS = ["country", "nationality", "jurisdiction"];

function fieldChecks(form) {
  const url = form.dataset.check;
  const token = form.querySelector("input[name=csrf_token]")?.value || "";
  if (!url) return;
  for (const row of form.querySelectorAll(".entity-row")) {
    const inputs = [...row.querySelectorAll("input[data-check-field]")];
    for (const input of inputs) watchField(form, row, input, url, token);
    // A phone without its country code is read in the row's country: check it again.
    for (const name of REGION_FIELDS) {
      const select = row.querySelector(`select[name="e${row.dataset.row}.${name}"]`);
      select?.addEventListener("change", () => {
        for (const input of inputs) {
          if (input.type === "tel" && input.value.trim()) input.dispatchEvent(new Event("blur"));
        }
      });
    }
  }
}

function watchField(form, row, input, url, token) {
  const note = document.getElementById(`${input.name}-check`);
  if (!note) return;
  let timer = null;
  let asked = null;
  let pending = 0;
  const show = (valid, message) => {
    // The server's error from the last filing is outdated once the value is checked again.
    document.getElementById(`${input.name}-error`)?.remove();
    note.textContent = message;
    note.classList.toggle("field-error", !valid);
    note.classList.toggle("field-ok", valid && Boolean(message));
    if (valid) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    } else {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", note.id);
    }
  };
  const check = async () => {
    const value = input.value;
    if (!value.trim()) {
      asked = value;
      show(true, "");
      return;
    }
    const params = new URLSearchParams({
      schema: row.querySelector("select.entity-schema")?.value || "",
      field: input.dataset.checkField,
      value,
    });
    for (const name of REGION_FIELDS) {
      const select = row.querySelector(`select[name="e${row.dataset.row}.${name}"]`);
      if (select) params.set(name, select.value);
    }
    const key = params.toString();
    if (key === asked) return;
    asked = key;
    const mine = ++pending;
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": token },
        body: params,
      });
      if (!response.ok || response.redirected) return;
      const answer = await response.json();
      // Only the answer to the latest question counts; an older one may arrive after it.
      if (mine === pending) show(answer.valid, answer.message);
    } catch (error) {
      asked = null; // the filing checks it anyway; try again on the next change
    }
  };
  input.addEventListener("blur", () => {
    clearTimeout(timer);
    check();
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const complete = COMPLETE[input.dataset.checkField];
    const worth = input.getAttribute("aria-invalid") === "true" || (complete ? complete(input.value) : input.value.replace(/\D/g, "").length >= 10);
    if (worth || !input.value.trim()) timer = setTimeout(check, CHECK_PAUSE_MS);
  });
}

function busyForms() {
  for (const form of document.querySelectorAll("form[data-busy]")) {
    form.addEventListener("submit", (event) => {
      const button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
      if (button) button.setAttribute("aria-busy", "true");
      form.setAttribute("aria-busy", "true");
    });
  }
}

function start() {
  const form = document.querySelector("form.report-form");
  if (form) {
    markingPreview(form);
    entityRows(form);
    fieldChecks(form);
  }
  busyForms();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
