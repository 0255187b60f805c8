// The events of a country on its map: the country's shape from world-atlas, each event a
// point (colour: type of violence; area: deaths). Data come from the page (#events-data).
(function () {
  "use strict";

  var holder = document.getElementById("events-map");
  var dataNode = document.getElementById("events-data");
  if (!holder || !dataNode || !window.d3 || !window.topojson) {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var labels = data.labels;
  var width = 520;
  var height = 420;

  function draw(world) {
    var shapes = topojson.feature(world, world.objects.countries).features;
    var shape = shapes.filter(function (f) { return f.id === data.numeric; })[0];
    var points = data.points.filter(function (p) { return isFinite(p.lat) && isFinite(p.lon); });
    var extent = shape || { type: "MultiPoint",
      coordinates: points.map(function (p) { return [p.lon, p.lat]; }) };
    var projection = d3.geoMercator().fitExtent([[12, 12], [width - 12, height - 12]], extent);
    var path = d3.geoPath(projection);
    holder.textContent = "";
    var svg = d3.select(holder).append("svg")
      .attr("viewBox", "0 0 " + width + " " + height)
      .attr("role", "img")
      .attr("aria-label", labels.map);
    svg.append("g").selectAll("path")
      .data(shapes.filter(function (f) { return f !== shape; }))
      .join("path").attr("d", path).attr("class", "neighbour");
    if (shape) {
      svg.append("path").datum(shape).attr("d", path).attr("class", "country-shape");
    }
    var radius = d3.scaleSqrt().domain([0, d3.max(points, function (p) { return p.deaths; }) || 1])
      .range([1.5, 14]);
    svg.append("g").selectAll("circle")
      .data(points.slice().sort(function (a, b) { return b.deaths - a.deaths; }))
      .join("circle")
      .attr("cx", function (p) { return projection([p.lon, p.lat])[0]; })
      .attr("cy", function (p) { return projection([p.lon, p.lat])[1]; })
      .attr("r", function (p) { return radius(p.deaths); })
      .attr("class", function (p) { return "event type-" + p.type; })
      .append("title")
      .text(function (p) {
        var area = p.area ? (data.areas && data.areas[p.area]) || p.area : "";
        return p.date + (area ? ", " + area : "") + ": " + labels[String(p.type)] + ", " +
          p.deaths + " " + labels.deaths + " (" + p.civilians + " " + labels.civilians + ")";
      });
    holder.setAttribute("data-drawn", String(points.length));
  }

  fetch(holder.getAttribute("data-topology"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("map shapes: HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      holder.setAttribute("data-error", String(error));
    });
})();
