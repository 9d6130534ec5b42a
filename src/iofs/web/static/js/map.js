// Draws the 57 OIC member states from the world-atlas 50m TopoJSON (served by this app),
// coloured by IOFS status or by data-values; data-points adds sites ([{id, lat, lon, label}]
// linked to data-point-prefix + id). Libraries: d3-geo (projection, paths), topojson-client.
(function () {
  "use strict";
  const SVG_NS = "http://www.w3.org/2000/svg";

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return response.json();
  }

  async function draw(container) {
    const [topology, members, values, points] = await Promise.all([
      fetchJson(container.dataset.topology),
      fetchJson(container.dataset.members),
      container.dataset.values ? fetchJson(container.dataset.values) : Promise.resolve(null),
      container.dataset.points ? fetchJson(container.dataset.points) : Promise.resolve([]),
    ]);
    // Optional values: [{iso3, category, label}]; without them, colour by IOFS status.
    const valueOf = new Map((values || []).map((v) => [v.iso3, v]));
    const linkPrefix = container.dataset.linkPrefix || "/members/";
    const byNumeric = new Map(members.map((m) => [String(m.iso_numeric).padStart(3, "0"), m]));
    const countries = topojson.feature(topology, topology.objects.countries).features;
    const oic = countries.filter((f) => byNumeric.has(f.id));
    const width = 960, height = 520;
    const sites = points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
    const extent = oic.concat(sites.length ? [{ type: "Feature", properties: {},
      geometry: { type: "MultiPoint", coordinates: sites.map((p) => [p.lon, p.lat]) } }] : []);
    const projection = d3.geoEqualEarth().fitExtent(
      [[10, 10], [width - 10, height - 10]], { type: "FeatureCollection", features: extent });
    const path = d3.geoPath(projection);
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    const nameField = container.dataset.nameField || "name_en";
    const highlight = container.dataset.highlight;
    for (const feature of countries) {
      const d = path(feature);
      if (!d) continue;
      const member = byNumeric.get(feature.id);
      const shape = document.createElementNS(SVG_NS, "path");
      shape.setAttribute("d", d);
      if (!member) {
        shape.setAttribute("class", "country");
        svg.appendChild(shape);
        continue;
      }
      let category, label;
      if (values) {
        const value = valueOf.get(member.iso3);
        category = value ? value.category : "nodata";
        label = value ? value.label : (container.getAttribute("data-label-nodata") || "");
      } else {
        category = member.iofs_status;
        label = container.getAttribute("data-label-" + category) || category;
      }
      shape.setAttribute("class", "country oic-state cat-" + category +
        (member.iso3 === highlight ? " highlight" : ""));
      shape.dataset.iso3 = member.iso3;
      shape.dataset.category = category;
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = member[nameField] + " — " + label;
      shape.appendChild(title);
      const link = document.createElementNS(SVG_NS, "a");
      link.setAttribute("href", linkPrefix + member.iso3);
      link.appendChild(shape);
      svg.appendChild(link);
    }
    const pointPrefix = container.dataset.pointPrefix || "";
    for (const site of sites) {
      const xy = projection([site.lon, site.lat]);
      if (!xy) continue;
      const dot = document.createElementNS(SVG_NS, "circle");
      dot.setAttribute("cx", xy[0].toFixed(1));
      dot.setAttribute("cy", xy[1].toFixed(1));
      dot.setAttribute("r", "3.5");
      dot.setAttribute("class", "site");
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = site.label;
      dot.appendChild(title);
      const link = document.createElementNS(SVG_NS, "a");
      link.setAttribute("href", pointPrefix + site.id);
      link.appendChild(dot);
      svg.appendChild(link);
    }
    container.replaceChildren(svg);
    container.dataset.drawn = String(svg.querySelectorAll("path.oic-state").length);
    container.dataset.sites = String(svg.querySelectorAll("circle.site").length);
  }

  function start() {
    document.querySelectorAll("#oic-map").forEach((container) => {
      draw(container).catch((error) => {
        container.textContent = "Map unavailable: " + error.message;
        container.dataset.error = "true";
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
