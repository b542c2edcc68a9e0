// The public transparency portal's charts (civic/templates/portal.html): assistance by fiscal
// year and pillar, and vetting requests and allegations per force, drawn with ECharts (from
// node_modules, bundled; SVG renderer) from the JSON the page embeds. Only figures the tables
// show are drawn: a hidden (suppressed) cell is left out, never guessed.
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

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
