// The accountability page's charts and map: money by fiscal year and transaction type and
// allegations by fiscal year, drawn with ECharts (from node_modules, bundled; SVG renderer),
// and the Mexican states shaded by the money their units received, drawn with d3-geo over
// the states of @svg-maps/mexico served from /static/map/ (never a tile server). The server
// embeds only what the reader may see; the tables beside them hold the same numbers.
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { geoConicConformal, geoPath } from "d3-geo";

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#1f5fa8", "#2e8540", "#e07b00", "#8e44ad", "#c62828", "#00838f", "#6d4c41"];

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// State names compared without accents, case or punctuation ("Michoacán de Ocampo" and
// "Michoacan" are one state; "Ciudad de México" is also "Distrito Federal").
function folded(name) {
  return String(name || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}
const ALIASES = {
  "ciudad de mexico": "distrito federal",
  cdmx: "distrito federal",
  "mexico city": "distrito federal",
  "estado de mexico": "mexico",
  "michoacan de ocampo": "michoacan",
  "veracruz de ignacio de la llave": "veracruz",
  "coahuila de zaragoza": "coahuila",
};
const key = (name) => ALIASES[folded(name)] || folded(name);

function moneyChart(root, data, strings) {
  const years = data.years.map((y) => y.fiscal_year).sort((a, b) => a - b);
  const types = new Map();
  for (const y of data.years) for (const m of y.money) types.set(m.type, m.type_label);
  const series = [...types].map(([type, label], i) => ({
    name: label,
    type: "bar",
    stack: "money",
    itemStyle: { color: PALETTE[i % PALETTE.length] },
    data: years.map((fy) => {
      const row = data.years.find((y) => y.fiscal_year === fy).money.find((m) => m.type === type);
      return row ? Number(row.usd) : 0;
    }),
  }));
  const chart = echarts.init(root, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    aria: { enabled: true },
    tooltip: { trigger: "axis", valueFormatter: (v) => strings.format(v) },
    legend: { top: 0 },
    grid: { left: 80, right: 16, top: 48, bottom: 32 },
    xAxis: { type: "category", data: years.map((y) => `${strings.fy} ${y}`) },
    yAxis: { type: "value", axisLabel: { formatter: (v) => strings.short(v) } },
    series,
  });
  return chart;
}

function allegationChart(root, data, strings) {
  const years = data.years.map((y) => y.fiscal_year).sort((a, b) => a - b);
  const chart = echarts.init(root, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 16, top: 24, bottom: 32 },
    xAxis: { type: "category", data: years.map((y) => `${strings.fy} ${y}`) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: strings.allegations,
        type: "bar",
        itemStyle: { color: "#c62828" },
        data: years.map((fy) => data.years.find((y) => y.fiscal_year === fy).allegations),
      },
    ],
  });
  return chart;
}

async function stateMap(root, data, strings) {
  const base = root.dataset.base || "/static/map/";
  const answer = await fetch(`${base}mexico-states.json`, { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`mexico-states.json: ${answer.status}`);
  const mexico = await answer.json();
  const byState = new Map(data.states.map((s) => [key(s.state), s]));
  const top = Math.max(1, ...data.states.map((s) => Number(s.received_usd)));
  const width = 720;
  const height = 460;
  const projection = geoConicConformal().parallels([17, 33]).rotate([102, 0]);
  projection.fitExtent([[12, 12], [width - 12, height - 12]], {
    type: "GeometryCollection",
    geometries: mexico.features.map((f) => f.geometry),
  });
  const path = geoPath(projection);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, class: "acc-map-svg", role: "group", "aria-label": strings.map });
  svg.append(el("title", {}, strings.map));
  for (const f of mexico.features) {
    const found = byState.get(key(f.properties.name));
    const share = found ? Number(found.received_usd) / top : 0;
    const fill = found
      ? `rgba(31, 95, 168, ${(0.15 + 0.85 * share).toFixed(3)})`
      : "#f4f2ec";
    const shape = el("path", {
      d: path(f.geometry),
      class: `acc-state${found ? " has-data" : ""}`,
      fill,
      "data-state": f.properties.name,
    });
    const lines = [f.properties.name];
    if (found) {
      lines.push(`${strings.received}: ${strings.format(Number(found.received_usd))}`);
      lines.push(`${strings.allegations}: ${found.allegations}`);
    }
    shape.append(el("title", {}, lines.join("\n")));
    svg.append(shape);
  }
  root.replaceChildren(svg);
}

function start() {
  const source = document.getElementById("accountability-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const locale = document.documentElement.lang || "en";
  const currency = new Intl.NumberFormat(locale, { style: "currency", currency: "USD" });
  const compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
  const strings = {
    ...data.strings,
    format: (v) => currency.format(v),
    short: (v) => compact.format(v),
  };
  const charts = [];
  const money = document.getElementById("chart-money");
  if (money && data.years.length) charts.push(moneyChart(money, data, strings));
  const alleged = document.getElementById("chart-allegations");
  if (alleged && data.years.length) charts.push(allegationChart(alleged, data, strings));
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  const map = document.getElementById("state-map");
  if (map) {
    stateMap(map, data, strings).catch(() => {
      map.replaceChildren(Object.assign(document.createElement("p"), { textContent: strings.failed }));
    });
  }
  document.body.dataset.chartsDrawn = "true";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
