// Vínculo form helpers, bundled by esbuild (frontend/build.mjs) into static/js/forms.js.
// Every page works without them; they only make feedback come sooner:
//  - the report form shows, as the analyst chooses, the banner the report will carry;
//  - changing an entity row's kind shows that kind's fields (the form's own refresh button);
//  - typing a name suggests existing entities the analyst may see (/reports/new/suggest);
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
  }
  busyForms();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
