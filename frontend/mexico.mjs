// The Mexican states of @svg-maps/mexico as GeoJSON lines in longitude and latitude, so
// d3-geo can draw them in the map's projection beside world-atlas and us-atlas.
//
// The SVG is drawn in a Mercator projection in pixels (viewBox 0 0 793 498). Its extreme
// points are Mexico's (Isla Guadalupe in the west, Isla Mujeres in the east, the Colorado
// delta in the north, Chiapas in the south): fitted to the same extremes of world-atlas's
// Mexico, a linear map in x and Mercator's y turns each pixel back into a place.
import mexico from "@svg-maps/mexico";

// Mexico's bounds in world-atlas countries-50m: west, south, east, north (degrees).
const BOUNDS = [-118.3998, 14.5449, -86.6979, 32.7156];

const mercator = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
const inverse = (y) => (360 / Math.PI) * Math.atan(Math.exp(y)) - 90;

// Relative and absolute move-to and line-to, and close: all the SVG's paths use.
function rings(d) {
  const tokens = d.match(/[a-zA-Z]|-?[\d.]+(?:e-?\d+)?/g) || [];
  const out = [];
  let ring = [];
  let x = 0, y = 0, sx = 0, sy = 0, cmd = null;
  for (let i = 0; i < tokens.length; ) {
    if (/[a-zA-Z]/.test(tokens[i])) {
      cmd = tokens[i++];
      if (cmd === "z" || cmd === "Z") {
        if (ring.length) ring.push([sx, sy]), out.push(ring);
        ring = [];
        x = sx, y = sy;
        continue;
      }
    }
    const a = Number(tokens[i++]), b = Number(tokens[i++]);
    if (cmd === "m" || cmd === "M") {
      if (ring.length) out.push(ring);
      x = cmd === "m" ? x + a : a;
      y = cmd === "m" ? y + b : b;
      sx = x, sy = y;
      ring = [[x, y]];
      cmd = cmd === "m" ? "l" : "L";
    } else if (cmd === "l" || cmd === "L") {
      x = cmd === "l" ? x + a : a;
      y = cmd === "l" ? y + b : b;
      ring.push([x, y]);
    } else {
      throw new Error(`mexico.svg: path command ${cmd} not handled`);
    }
  }
  if (ring.length) out.push(ring);
  return out;
}

export function mexicoStates() {
  const all = mexico.locations.map((loc) => ({ loc, rings: rings(loc.path) }));
  const xs = all.flatMap((s) => s.rings.flat().map((p) => p[0]));
  const ys = all.flatMap((s) => s.rings.flat().map((p) => p[1]));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const [west, south, east, north] = BOUNDS;
  const [top, bottom] = [mercator(north), mercator(south)];
  const place = ([x, y]) => [
    Math.round((west + ((x - x0) / (x1 - x0)) * (east - west)) * 1e4) / 1e4,
    Math.round(inverse(top - ((y - y0) / (y1 - y0)) * (top - bottom)) * 1e4) / 1e4,
  ];
  return {
    type: "FeatureCollection",
    features: all.map(({ loc, rings: found }) => ({
      type: "Feature",
      id: loc.id,
      properties: { name: loc.name },
      geometry: { type: "MultiLineString", coordinates: found.map((r) => r.map(place)) },
    })),
  };
}
