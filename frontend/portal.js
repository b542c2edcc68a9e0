// The public transparency portal's charts (civic/templates/portal.html): assistance by fiscal
// year and pillar, vetting requests and allegations per force, and the map of reports by
// state (d3-geo, below). The charts are drawn with ECharts (from
// node_modules, bundled; SVG renderer) from the JSON the page embeds. Only figures the tables
// show are drawn: a hidden (suppressed) cell is left out, never guessed.
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { geoConicConformal, geoPath } from "d3-geo";

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

const PALETTE = ["#1f5fa8", "#2e8540", "#e07b00", "#8e44ad", "#c62828", "#00838f", "#6d4c41"];

function draw(id, option) {
  const root = document.getElementById(id);
  if (!root) return;
  const chart = echarts.init(root, null, { renderer: "svg" });
  chart.setOption({ animation: false, aria: { enabled: true }, ...option });
  window.addEventListener("resize", () => chart.resize());
}

const source = document.getElementById("portal-data");
if (source) {
  const data = JSON.parse(source.textContent);
  const lang = document.documentElement.lang === "es" ? "es" : "en";
  const usd = new Intl.NumberFormat(lang, { style: "currency", currency: "USD" });
  const short = new Intl.NumberFormat(lang, { notation: "compact" });
  draw("money-chart", {
    tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : usd.format(v)) },
    legend: { top: 0, type: "scroll" },
    grid: { left: 72, right: 16, top: 48, bottom: 32 },
    xAxis: { type: "category", data: data.money.years },
    yAxis: { type: "value", axisLabel: { formatter: (v) => short.format(v) } },
    series: data.money.series.map((s, i) => ({
      name: s.name,
      type: "bar",
      stack: "money",
      itemStyle: { color: PALETTE[i % PALETTE.length] },
      data: s.data,
    })),
  });
  const forces = data.forces;
  draw("forces-chart", {
    tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : String(v)) },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 64 },
    xAxis: { type: "category", data: forces.labels, axisLabel: { interval: 0, width: 110, overflow: "break", margin: 14, lineHeight: 14 } },
    yAxis: { type: "value", minInterval: 1 },
    series: ["vetting", "allegations"].map((name, i) => ({
      name: forces.names[name],
      type: "bar",
      itemStyle: { color: PALETTE[i] },
      data: forces[name],
    })),
  });
}

// Reports from the public by Mexican state, drawn with d3-geo over the states of
// @svg-maps/mexico, which the public site serves from its own /static/map/ (never a tile
// server). A state's figure is the one its table row shows: a hidden one (null) gets no
// colour and reads "—", never a number.
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function stateMap(root, data) {
  const base = root.dataset.base || "/static/map/";
  const answer = await fetch(`${base}mexico-states.json`, { credentials: "omit" });
  if (!answer.ok) throw new Error(`mexico-states.json: ${answer.status}`);
  const mexico = await answer.json();
  const lang = document.documentElement.lang === "es" ? "es" : "en";
  const number = new Intl.NumberFormat(lang);
  const counts = Object.values(data.states).map((s) => s.count).filter((c) => c != null);
  const top = Math.max(1, ...counts);
  const width = 720;
  const height = 460;
  const projection = geoConicConformal().parallels([17, 33]).rotate([102, 0]);
  projection.fitExtent([[12, 12], [width - 12, height - 12]], {
    type: "GeometryCollection",
    geometries: mexico.features.map((f) => f.geometry),
  });
  const path = geoPath(projection);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": data.strings.title });
  svg.append(el("title", {}, data.strings.title));
  for (const f of mexico.features) {
    const code = String(f.id || "").toUpperCase();
    const found = data.states[code];
    const count = found ? found.count : 0;
    const shown = count != null && count > 0;
    const fill = shown ? `rgba(31, 95, 168, ${(0.2 + 0.8 * (count / top)).toFixed(3)})` : "#f4f2ec";
    const shape = el("path", {
      d: path(f.geometry),
      class: `portal-state${shown ? " has-data" : ""}`,
      fill,
      "data-state": code,
      "data-count": count == null ? "hidden" : String(count),
    });
    const name = found ? found.name : f.properties.name;
    const figure = count == null ? `— (${data.strings.hidden})` : number.format(count);
    shape.append(el("title", {}, `${name}\n${data.strings.reports}: ${figure}`));
    svg.append(shape);
  }
  root.replaceChildren(svg);
  root.dataset.drawn = "true";
}

const mapSource = document.getElementById("portal-map-data");
const mapRoot = document.getElementById("state-map");
if (mapSource && mapRoot) {
  const data = JSON.parse(mapSource.textContent);
  stateMap(mapRoot, data).catch(() => {
    mapRoot.replaceChildren(Object.assign(document.createElement("p"), { textContent: data.strings.failed }));
  });
}
