// Vínculo's map: an SVG drawn with d3-geo over base layers served from /static/map/ (built
// from world-atlas, us-atlas and @svg-maps/mexico; never a tile server). The page embeds its
// features as JSON in a data block, or the case page's panel fetches them (data-src) with the
// page session; the server sends only what the reader may see, each with its marking.
import { geoCircle, geoConicConformal, geoPath } from "d3-geo";
import { feature, mesh } from "topojson-client";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 960;
const HEIGHT = 640;
// The region the map always shows: the U.S.–Mexico border states down to Guatemala.
const REGION = [
  [-118.5, 36.5], [-94.5, 36.5], [-86.5, 21.6], [-88.2, 13.6], [-92.4, 13.6], [-107, 19.5],
  [-118.5, 28],
];
const FOCUS = { 840: "us", 484: "mx", 320: "gt" };
const COUNTRY_NAMES = { 840: "name_us", 484: "name_mx", 320: "name_gt" };

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function html(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function json(url) {
  const answer = await fetch(url, { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
  return answer.json();
}

function placed(f) {
  return f.lat !== null && f.lon !== null;
}

function tooltip(f) {
  const lines = [f.label];
  if (f.subjects && f.subjects.length) lines.push(f.subjects.join(", "));
  if (f.detail && f.detail !== f.label && f.layer !== "operation") lines.push(f.detail);
  if (f.when || f.date) lines.push(f.when || f.date);
  lines.push(f.banner);
  return lines.join("\n");
}

function named(f, order) {
  return order ? `${order}. ${tooltip(f)}` : tooltip(f);
}

function marker(f, [x, y], order) {
  const g = el("g", {
    class: `map-marker marker-${f.layer}`,
    "data-id": f.id,
    "data-layer": f.layer,
    tabindex: f.layer === "port" ? "-1" : "0",
  });
  // Its accessible name starts with the number it shows, as the list beside the map does.
  if (f.layer !== "port") g.setAttribute("role", "button"), g.setAttribute("aria-label", named(f, order));
  g.append(el("title", {}, tooltip(f)));
  if (f.layer === "port") {
    g.append(el("rect", { x: x - 3.5, y: y - 3.5, width: 7, height: 7, transform: `rotate(45 ${x} ${y})` }));
  } else if (f.layer === "crossing") {
    g.append(el("path", { d: `M${x},${y - 8}L${x + 7},${y + 5}L${x - 7},${y + 5}Z` }));
  } else {
    g.append(el("circle", { cx: x, cy: y, r: 6 }));
  }
  if (order) g.append(el("text", { x: x + 8, y: y - 6, class: "marker-number" }, order));
  return g;
}

async function draw(root, data) {
  const base = root.dataset.base || "/static/map/";
  const strings = data.strings || {};
  const [world, states, mexico] = await Promise.all([
    json(`${base}countries-50m.json`),
    json(`${base}us-states-10m.json`),
    json(`${base}mexico-states.json`),
  ]);
  const countries = feature(world, world.objects.countries);
  const features = data.features || [];
  const points = features.filter(placed).map((f) => [f.lon, f.lat]);
  // Fitted to the region and to everything drawn, in a conic projection centred on the border.
  const projection = geoConicConformal().parallels([17, 33]).rotate([102, 0]);
  projection.fitExtent(
    [[24, 24], [WIDTH - 24, HEIGHT - 24]],
    { type: "MultiPoint", coordinates: [...REGION, ...points] },
  );
  const path = geoPath(projection);

  const svg = el("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "map-svg",
    role: "group",
    "aria-label": strings.title || "",
  });
  svg.append(el("title", {}, strings.title || ""));
  svg.append(el("rect", { class: "map-sea", x: 0, y: 0, width: WIDTH, height: HEIGHT }));
  const land = el("g", { class: "map-countries" });
  for (const c of countries.features) {
    const d = path(c);
    if (!d) continue;
    const focus = FOCUS[Number(c.id)];
    land.append(el("path", { d, class: `country${focus ? ` country-${focus}` : ""}`, "data-country": c.id }));
  }
  svg.append(land);
  svg.append(el("path", {
    class: "state-lines us-states",
    d: path(mesh(states, states.objects.states, (a, b) => a !== b)),
  }));
  svg.append(el("path", {
    class: "state-lines mx-states",
    d: path({ type: "GeometryCollection", geometries: mexico.features.map((f) => f.geometry) }),
  }));
  svg.append(el("path", {
    class: "country-borders",
    d: path(mesh(world, world.objects.countries, (a, b) => a !== b)),
  }));
  const names = el("g", { class: "country-names" });
  for (const c of countries.features) {
    const key = COUNTRY_NAMES[Number(c.id)];
    if (!key || !strings[key]) continue;
    const at = Number(c.id) === 840 ? projection([-101, 35]) : path.centroid(c);
    if (!at || Number.isNaN(at[0])) continue;
    names.append(el("text", { x: at[0], y: at[1], class: "country-name" }, strings[key]));
  }
  svg.append(names);

  // Ports, planned operations (circles of their radius), crossings' trips, crossings, then
  // addresses on top; numbered as the list beside the map numbers them.
  const layers = el("g", { class: "map-features" });
  const listed = features.filter((f) => f.layer !== "port");
  const order = new Map(listed.map((f, i) => [f, i + 1]));
  for (const f of features.filter((f) => f.layer === "port" && placed(f))) {
    const at = projection([f.lon, f.lat]);
    if (at) layers.append(marker(f, at, null));
  }
  for (const f of features.filter((f) => f.layer === "operation" && placed(f))) {
    const [x, y] = projection([f.lon, f.lat]);
    const g = el("g", {
      class: "map-marker marker-operation", "data-id": f.id, "data-layer": f.layer, tabindex: "0",
      role: "button", "aria-label": named(f, order.get(f)),
    });
    g.append(el("title", {}, tooltip(f)));
    // Its circle at scale, or a ring of 9 px where the circle would be smaller than that.
    const area = path(geoCircle().center([f.lon, f.lat]).radius((f.radius_m || 0) / 111320)());
    const edge = projection([f.lon, f.lat + (f.radius_m || 0) / 111320]);
    if (area && edge && Math.abs(edge[1] - y) >= 9) g.append(el("path", { d: area }));
    else g.append(el("circle", { cx: x, cy: y, r: 9, class: "operation-ring" }));
    g.append(el("circle", { cx: x, cy: y, r: 3 }));
    if (order.get(f)) g.append(el("text", { x: x + 11, y: y + 14, class: "marker-number" }, order.get(f)));
    layers.append(g);
  }
  for (const f of features.filter((f) => f.layer === "crossing" && f.path && f.path.length > 1)) {
    layers.append(el("path", {
      class: "trip-line",
      "data-id": f.id,
      d: path({ type: "LineString", coordinates: f.path }),
    }));
  }
  for (const layer of ["crossing", "address"]) {
    for (const f of features.filter((f) => f.layer === layer && placed(f))) {
      const at = projection([f.lon, f.lat]);
      if (at) layers.append(marker(f, at, order.get(f)));
    }
  }
  svg.append(layers);
  root.replaceChildren(svg);
  const select = (hit) => {
    for (const item of document.querySelectorAll(".map-item.selected")) item.classList.remove("selected");
    const item = document.querySelector(`.map-item[data-id="${CSS.escape(hit.dataset.id)}"]`);
    if (item) {
      item.classList.add("selected");
      item.scrollIntoView({ block: "nearest" });
    }
  };
  svg.addEventListener("click", (event) => {
    const hit = event.target.closest(".map-marker");
    if (hit) select(hit);
  });
  // A marker reached by the keyboard (Tab) is picked with Enter or the space bar.
  svg.addEventListener("keydown", (event) => {
    const hit = event.target.closest(".map-marker");
    if (hit && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(hit);
    }
  });
  root.dataset.drawn = String(svg.querySelectorAll(".map-marker").length);
}

// The case page's panel: the list beside the map, drawn from the same answer.
function list(target, data) {
  const strings = data.strings || {};
  const items = (data.features || []).filter((f) => f.layer !== "port");
  const box = html("ol", { class: "map-items" });
  for (const f of items) {
    const li = html("li", { class: `map-item layer-${f.layer}`, "data-id": f.id });
    li.append(html("span", { class: `map-key key-${f.layer}`, "aria-hidden": "true" }));
    li.append(" ", html("strong", {}, f.label), " ");
    li.append(html("small", { class: "muted" }, [strings[`layer_${f.layer}`] || f.layer, f.when].filter(Boolean).join(" · ")));
    if (f.subjects && f.subjects.length) {
      li.append(html("br"), html("small", {}, `${strings.subjects}: ${f.subjects.join(", ")}`));
    }
    const marks = html("div", { class: "map-item-marks" });
    for (const m of f.markings) marks.append(html("span", { class: `marking tlp-badge tlp-${m.tlp.toLowerCase().replace("+", "-")}` }, m.banner.replaceAll(" // ", " · ")), " ");
    li.append(marks);
    box.append(li);
  }
  if (!items.length) target.replaceChildren(html("p", { class: "empty" }, strings.nothing));
  else target.replaceChildren(box);
  if ((data.unplaced || []).length) {
    target.append(html("h3", {}, strings.unplaced));
    const ul = html("ul", { class: "map-unplaced" });
    for (const f of data.unplaced) {
      const li = html("li", { class: `map-item layer-${f.layer}` }, f.label);
      const marks = html("div", { class: "map-item-marks" });
      for (const m of f.markings) marks.append(html("span", { class: `marking tlp-badge tlp-${m.tlp.toLowerCase().replace("+", "-")}` }, m.banner.replaceAll(" // ", " · ")), " ");
      li.append(marks);
      ul.append(li);
    }
    target.append(ul);
  }
}

async function start() {
  for (const root of document.querySelectorAll(".map-canvas")) {
    try {
      let data;
      if (root.dataset.src) {
        data = await json(root.dataset.src);
        const target = document.getElementById(root.dataset.list || "");
        if (target) list(target, data);
      } else {
        const block = document.getElementById(root.dataset.source || "map-data");
        data = JSON.parse((block && block.textContent) || "{}");
      }
      await draw(root, data);
    } catch (error) {
      root.dataset.failed = "1";
      const p = html("p", { class: "map-failed", role: "status" }, (root.dataset.failedText || "") || String(error));
      root.replaceChildren(p);
    }
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
