// Vínculo's network graph: sigma.js (WebGL) over a graphology graph, both from npm, bundled by
// esbuild (frontend/build.mjs). The page embeds its graph as JSON in a data block (not a
// script: the Content Security Policy runs no inline code); everything drawn comes from it or
// from /network/ego.json, which the server builds from what the reader may see.
import Graph from "graphology";
import Sigma from "sigma";
import { EdgeLineProgram, NodePointProgram } from "sigma/rendering";

// Community colours; no pure red among them: red marks the entities a disruption removes.
const PALETTE = [
  "#1f77b4", "#6b4c9a", "#2ca02c", "#ff7f0e", "#17becf", "#8c564b",
  "#e377c2", "#bcbd22", "#393b79", "#b15928", "#637939", "#e7ba52",
];
const SCHEMA_COLOURS = {
  Person: "#1f77b4",
  Company: "#ff7f0e",
  Organization: "#2ca02c",
  LegalEntity: "#17becf",
  Address: "#8c564b",
  Vehicle: "#9467bd",
  BankAccount: "#e377c2",
  Passport: "#bcbd22",
  Identification: "#bcbd22",
  Trip: "#7f7f7f",
};
const OTHER = "#9aa0a6";
const DIM = "#e3e5e8";
const REMOVED = "#c62828";
const EDGE = "#c5cad1";
const EDGE_STRONG = "#5f6b7a";
const METRICS = ["betweenness", "pagerank", "degree", "eigenvector"];
// Above this many nodes the drawing gets lighter: nodes as GL points and links as one-pixel
// lines, and no links or labels while the reader drags or zooms. Without a GPU (software
// WebGL) sigma's anti-aliased circle shader made a 2,000-node frame take ~100 ms; points
// took ~20 ms (tests/network/test_network_browser.py measures it).
const LARGE = 1000;

function fold(text) {
  return (text || "").normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
}

function readData(id) {
  const block = document.getElementById(id);
  if (!block) return null;
  try {
    return JSON.parse(block.textContent || "null");
  } catch (error) {
    return null;
  }
}

function element(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// A marking chip as the pages draw it (templates/_marking.html): the words, never colour alone.
function markingChip(chip) {
  return element("span", { class: `marking tlp-badge ${chip.tlp}`, title: chip.title }, chip.text);
}

function formatMetric(name, value) {
  if (value === undefined || value === null) return "–";
  return name === "degree" || name === "community" ? String(value) : Number(value).toFixed(4);
}

class NetworkView {
  constructor(container, data) {
    this.container = container;
    this.data = data;
    this.strings = data.strings || {};
    this.query = container.dataset.query || "";
    this.egoUrl = container.dataset.ego || "";
    this.colour = "community";
    this.size = "betweenness";
    this.selected = null;
    this.hovered = null;
    this.removed = new Set(data.removed || []);
    this.highlight = new Set(data.highlight || []);
    this.hideRemoved = false;
    this.graph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
    this.add(data, null);
    this.resize();
    const large = this.graph.order > LARGE;
    this.renderer = new Sigma(this.graph, container, {
      ...(large
        ? {
            defaultNodeType: "point",
            nodeProgramClasses: { point: NodePointProgram },
            defaultEdgeType: "line",
            edgeProgramClasses: { line: EdgeLineProgram },
          }
        : {}),
      hideEdgesOnMove: large,
      hideLabelsOnMove: large,
      renderEdgeLabels: false,
      labelDensity: 0.08,
      labelGridCellSize: 80,
      // A small graph (a path, an ego network) names every node; a large one the bigger ones.
      labelRenderedSizeThreshold: this.graph.order < 80 ? 0 : 9,
      stagePadding: this.graph.order < 80 ? 80 : 30,
      zIndex: true,
      minCameraRatio: 0.03,
      maxCameraRatio: 4,
      nodeReducer: (node, attrs) => this.nodeStyle(node, attrs),
      edgeReducer: (edge, attrs) => this.edgeStyle(edge, attrs),
    });
    this.renderer.on("clickNode", ({ node }) => this.select(node));
    this.renderer.on("clickStage", () => this.select(null));
    this.renderer.on("enterNode", ({ node }) => {
      this.hovered = node;
      container.classList.add("hovering");
      this.renderer.refresh({ skipIndexation: true });
    });
    this.renderer.on("leaveNode", () => {
      this.hovered = null;
      container.classList.remove("hovering");
      this.renderer.refresh({ skipIndexation: true });
    });
    this.renderer.on("doubleClickNode", ({ node, event }) => {
      event.preventSigmaDefault();
      window.location.assign(`/entities/${encodeURIComponent(node)}`);
    });
    this.panel = document.getElementById("graph-panel");
    this.legend = document.getElementById("graph-legend");
    this.bindControls();
    this.drawLegend();
    if (data.center && this.graph.hasNode(data.center)) this.select(data.center);
  }

  // --- the data ------------------------------------------------------------------------------

  add(payload, around) {
    const fresh = [];
    for (const node of payload.nodes) {
      if (this.graph.hasNode(node.id)) continue;
      this.graph.addNode(node.id, {
        x: node.x,
        y: node.y,
        label: node.caption,
        schema: node.schema,
        schemaLabel: node.schema_label,
        community: node.community,
        members: node.members || [],
        markings: node.markings || [],
        metrics: Object.fromEntries(METRICS.map((m) => [m, node[m] || 0])),
        size: 4,
        color: OTHER,
      });
      fresh.push(node.id);
    }
    if (around && this.graph.hasNode(around) && fresh.length) {
      // New neighbours on a ring around the node they were expanded from: the rest of the
      // drawing stays where the reader left it.
      // A sunflower spiral: evenly spread however many there are.
      const centre = this.graph.getNodeAttributes(around);
      const step = this.extent() * 0.05;
      fresh.forEach((id, i) => {
        const angle = i * 2.39996;
        const radius = step * (1.5 + Math.sqrt(i + 1));
        this.graph.mergeNodeAttributes(id, {
          x: centre.x + radius * Math.cos(angle),
          y: centre.y + radius * Math.sin(angle),
          expanded: true,
        });
      });
    }
    for (const edge of payload.edges) {
      if (!this.graph.hasNode(edge.source) || !this.graph.hasNode(edge.target)) continue;
      const key = this.graph.edge(edge.source, edge.target);
      if (key !== undefined) {
        const attrs = this.graph.getEdgeAttributes(key);
        if (!attrs.ids.includes(edge.id)) {
          attrs.ids.push(edge.id);
          attrs.kinds.add(edge.kind_label);
          for (const chip of edge.markings || []) attrs.markings.set(chip.text, chip);
          attrs.weight += edge.weight;
        }
        continue;
      }
      this.graph.addEdge(edge.source, edge.target, {
        ids: [edge.id],
        kinds: new Set([edge.kind_label]),
        markings: new Map((edge.markings || []).map((chip) => [chip.text, chip])),
        weight: edge.weight,
        size: 1,
        color: EDGE,
      });
    }
    this.restyle();
    return fresh;
  }

  extent() {
    let minX = Infinity;
    let maxX = -Infinity;
    this.graph.forEachNode((_n, a) => {
      minX = Math.min(minX, a.x);
      maxX = Math.max(maxX, a.x);
    });
    return Number.isFinite(minX) && maxX > minX ? maxX - minX : 1;
  }

  restyle() {
    let top = 0;
    this.graph.forEachNode((_n, a) => {
      top = Math.max(top, a.metrics[this.size] || 0);
    });
    this.graph.forEachNode((node, a) => {
      const share = top > 0 ? (a.metrics[this.size] || 0) / top : 0;
      const colour =
        this.colour === "community"
          ? a.community < PALETTE.length ? PALETTE[a.community] : OTHER
          : SCHEMA_COLOURS[a.schema] || OTHER;
      this.graph.mergeNodeAttributes(node, { size: 3 + 13 * Math.sqrt(share), color: colour });
    });
    this.graph.forEachEdge((edge, a) => {
      this.graph.setEdgeAttribute(edge, "size", Math.min(4, 0.6 + Math.log2(1 + a.weight) * 0.6));
    });
  }

  // --- drawing -------------------------------------------------------------------------------

  focus() {
    return this.hovered || this.selected;
  }

  nodeStyle(node, attrs) {
    const out = { ...attrs };
    if (this.removed.has(node)) {
      if (this.hideRemoved) return { ...out, hidden: true };
      out.color = REMOVED;
      out.forceLabel = true;
      out.zIndex = 2;
      out.size = Math.max(attrs.size, 8);
    }
    if (this.highlight.has(node)) {
      out.forceLabel = true;
      out.zIndex = 2;
      out.size = Math.max(attrs.size, 8);
    }
    const focus = this.focus();
    if (focus) {
      if (node === focus || this.graph.areNeighbors(node, focus)) {
        // Every neighbour named, unless so many that the names would pile up.
        out.forceLabel = node === focus || this.graph.degree(focus) <= 20;
        out.zIndex = 1;
      } else {
        out.color = DIM;
        out.label = "";
        out.zIndex = 0;
      }
    }
    if (node === this.selected) out.highlighted = true;
    return out;
  }

  edgeStyle(edge, attrs) {
    const out = { ...attrs };
    const [a, b] = this.graph.extremities(edge);
    if (this.hideRemoved && (this.removed.has(a) || this.removed.has(b))) {
      return { ...out, hidden: true };
    }
    const focus = this.focus();
    if (focus) {
      if (a === focus || b === focus) {
        out.color = EDGE_STRONG;
        out.zIndex = 1;
      } else {
        out.hidden = true;
      }
    } else if (this.highlight.size && this.highlight.has(a) && this.highlight.has(b)) {
      out.color = EDGE_STRONG;
    }
    return out;
  }

  resize() {
    // sigma needs a sized container; CSS gives it one, this keeps it from collapsing.
    if (!this.container.offsetHeight) this.container.classList.add("graph-canvas-fixed");
  }

  // --- the side panel --------------------------------------------------------------------------

  select(node) {
    this.selected = node;
    this.renderer.refresh({ skipIndexation: true });
    if (!this.panel) return;
    this.panel.replaceChildren();
    const s = this.strings;
    if (!node) {
      this.panel.append(element("p", { class: "muted" }, s.pick));
      return;
    }
    const a = this.graph.getNodeAttributes(node);
    this.panel.append(element("h2", {}, a.label));
    this.panel.append(element("p", { class: "schema-label" }, a.schemaLabel));
    if (a.markings.length) {
      const marked = element("p", { class: "marking-sources" });
      marked.append(element("span", { class: "muted" }, s.marked || ""), " ");
      for (const chip of a.markings) marked.append(markingChip(chip), " ");
      this.panel.append(marked);
    }
    if (a.members.length > 1) {
      this.panel.append(
        element("p", { class: "muted" }, (s.members || "").replace("{n}", a.members.length)),
      );
    }
    const facts = element("dl", { class: "graph-facts" });
    for (const metric of METRICS) {
      facts.append(element("dt", {}, s[metric] || metric));
      facts.append(element("dd", {}, formatMetric(metric, a.metrics[metric])));
    }
    facts.append(element("dt", {}, s.community || "community"));
    facts.append(element("dd", {}, String(a.community + 1)));
    this.panel.append(facts);
    const actions = element("div", { class: "graph-actions" });
    actions.append(
      element("a", { href: `/entities/${encodeURIComponent(node)}`, class: "open-profile" }, s.open),
    );
    if (this.egoUrl) {
      const expand = element("button", { type: "button", class: "secondary expand" }, s.expand);
      expand.addEventListener("click", () => this.expand(node, expand));
      actions.append(expand);
    }
    actions.append(
      element(
        "a",
        { href: `/network/path?source=${encodeURIComponent(node)}`, class: "path-from" },
        s.path_from,
      ),
      element(
        "a",
        { href: `/network?center=${encodeURIComponent(node)}&hops=2`, class: "centre-here" },
        s.centre,
      ),
    );
    this.panel.append(actions);
    const links = element("ul", { class: "graph-links" });
    const rows = [];
    this.graph.forEachNeighbor(node, (other, o) => {
      const edge = this.graph.edge(node, other);
      const kinds = [...this.graph.getEdgeAttribute(edge, "kinds")].join(", ");
      const marks = [...(this.graph.getEdgeAttribute(edge, "markings") || new Map()).values()];
      rows.push([o.label, other, kinds, marks]);
    });
    rows.sort((x, y) => x[0].localeCompare(y[0]));
    for (const [label, other, kinds, marks] of rows.slice(0, 40)) {
      const item = element("li");
      const link = element("a", { href: "#", "data-node": other }, label);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        this.goTo(other);
      });
      item.append(link, element("small", { class: "muted" }, ` · ${kinds} `));
      for (const chip of marks) item.append(markingChip(chip), " ");
      links.append(item);
    }
    if (rows.length) {
      this.panel.append(element("h3", {}, (s.linked || "").replace("{n}", rows.length)));
      this.panel.append(links);
    }
  }

  goTo(node) {
    this.select(node);
    const display = this.renderer.getNodeDisplayData(node);
    if (display) {
      this.renderer.getCamera().animate({ x: display.x, y: display.y, ratio: 0.35 }, { duration: 400 });
    }
  }

  async expand(node, button) {
    const s = this.strings;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    const sep = this.egoUrl.includes("?") ? "&" : "?";
    const url = `${this.egoUrl}${sep}id=${encodeURIComponent(node)}&hops=1${this.query ? `&${this.query}` : ""}`;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const payload = await response.json();
      if (payload.too_large) {
        this.status(s.too_large_ego);
      } else {
        const fresh = this.add(payload, node);
        this.renderer.setSetting("labelRenderedSizeThreshold", this.graph.order < 80 ? 0 : 9);
        this.renderer.refresh();
        this.status((s.expanded || "").replace("{n}", fresh.length));
        this.drawLegend();
        this.select(node);
      }
    } catch (error) {
      this.status(s.failed);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  status(text) {
    const box = document.getElementById("graph-status");
    if (box) box.textContent = text || "";
  }

  // --- controls and legend ---------------------------------------------------------------------

  bindControls() {
    const colour = document.getElementById("graph-colour");
    if (colour) {
      colour.addEventListener("change", () => {
        this.colour = colour.value;
        this.restyle();
        this.drawLegend();
        this.renderer.refresh({ skipIndexation: true });
      });
    }
    const size = document.getElementById("graph-size");
    if (size) {
      size.addEventListener("change", () => {
        this.size = size.value;
        this.restyle();
        this.renderer.refresh();
      });
    }
    const find = document.getElementById("graph-find");
    if (find) {
      find.addEventListener("change", () => {
        const wanted = fold(find.value.trim());
        if (!wanted) return;
        let hit = null;
        this.graph.forEachNode((node, a) => {
          if (!hit && fold(a.label).includes(wanted)) hit = node;
        });
        if (hit) this.goTo(hit);
        this.status(hit ? "" : this.strings.no_match);
      });
    }
    const reset = document.getElementById("graph-reset");
    if (reset) reset.addEventListener("click", () => this.renderer.getCamera().animatedReset());
    const toggle = document.getElementById("graph-toggle-removed");
    if (toggle) {
      toggle.addEventListener("click", () => {
        this.hideRemoved = !this.hideRemoved;
        toggle.setAttribute("aria-pressed", String(this.hideRemoved));
        toggle.textContent = this.hideRemoved ? toggle.dataset.show : toggle.dataset.hide;
        this.renderer.refresh({ skipIndexation: true });
      });
    }
  }

  drawLegend() {
    if (!this.legend) return;
    this.legend.replaceChildren();
    const counts = new Map();
    this.graph.forEachNode((_n, a) => {
      const key = this.colour === "community" ? a.community : a.schema;
      const entry = counts.get(key) || { n: 0, label: a.schemaLabel };
      entry.n += 1;
      counts.set(key, entry);
    });
    const entries = [...counts.entries()].sort((x, y) => y[1].n - x[1].n).slice(0, 12);
    for (const [key, entry] of entries) {
      const colour =
        this.colour === "community"
          ? key < PALETTE.length ? PALETTE[key] : OTHER
          : SCHEMA_COLOURS[key] || OTHER;
      const label =
        this.colour === "community"
          ? (this.strings.community_n || "{n}").replace("{n}", key + 1)
          : entry.label;
      const item = element("li");
      const swatch = element("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.backgroundColor = colour;
      item.append(swatch, document.createTextNode(`${label} (${entry.n})`));
      this.legend.append(item);
    }
  }
}

function start() {
  const container = document.getElementById("graph");
  if (!container) return;
  const data = readData(container.dataset.source || "graph-data");
  if (!data || !data.nodes) return;
  const view = new NetworkView(container, data);
  for (const note of container.querySelectorAll(".graph-loading")) note.remove();
  container.removeAttribute("aria-busy");
  // Tests (and a curious analyst's console) reach the renderer here.
  window.vinculoGraph = { view, renderer: view.renderer, graph: view.graph };
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
