// The world map of two-year risk: world-atlas shapes joined to the forecast by ISO3 code.
// Data come from the page (#map-data); shapes and libraries are served from /static/vendor.
(function () {
  "use strict";

  var holder = document.getElementById("map");
  var dataNode = document.getElementById("map-data");
  var tooltip = document.getElementById("tooltip");
  if (!holder || !dataNode || !window.d3 || !window.topojson) {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var labels = data.labels;
  var pct = new Intl.NumberFormat(data.lang, {
    style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1
  });
  var points = new Intl.NumberFormat(data.lang, {
    minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "exceptZero"
  });
  var colour = d3.scaleThreshold().domain(data.breaks).range(data.colours);

  function iso3Of(feature) {
    if (feature.id !== undefined && data.numeric[feature.id]) {
      return data.numeric[feature.id];
    }
    var name = feature.properties && feature.properties.name;
    return name ? data.byName[name] : undefined;
  }

  function describe(feature) {
    var code = iso3Of(feature);
    var found = code && data.countries[code];
    if (!found) {
      var own = feature.properties.name;
      return { name: data.names[code] || data.names[own] || own, lines: [labels.noData] };
    }
    var lines = [labels.risk + ": " + pct.format(found.risk),
      labels.rank + ": " + found.rank + " " + labels.of + " " + data.total];
    if (found.change !== null) {
      lines.push(labels.change + ": " + points.format(found.change * 100) + " " + labels.points);
    }
    return { name: found.name, lines: lines, code: code };
  }

  function show(feature, x, y) {
    var info = describe(feature);
    tooltip.textContent = "";
    var title = document.createElement("strong");
    title.textContent = info.name;
    tooltip.appendChild(title);
    info.lines.forEach(function (line) {
      var row = document.createElement("span");
      row.textContent = line;
      tooltip.appendChild(row);
      tooltip.appendChild(document.createElement("br"));
    });
    tooltip.hidden = false;
    var box = holder.parentNode.getBoundingClientRect();
    var left = Math.min(x + 14, box.width - tooltip.offsetWidth - 4);
    tooltip.style.left = Math.max(4, left) + "px";
    tooltip.style.top = Math.max(4, y - tooltip.offsetHeight - 10) + "px";
  }

  function hide() {
    tooltip.hidden = true;
  }

  function open(feature) {
    var code = iso3Of(feature);
    if (code && data.countries[code]) {
      window.location.href = "/countries/" + code;
    }
  }

  function draw(world) {
    var shapes = topojson.feature(world, world.objects.countries).features
      .filter(function (f) { return f.id !== "010"; });  // Antarctica
    var width = 960;
    var height = 500;
    var projection = d3.geoEqualEarth().fitExtent([[8, 8], [width - 8, height - 8]],
      { type: "FeatureCollection", features: shapes });
    var path = d3.geoPath(projection);
    holder.textContent = "";
    var svg = d3.select(holder).append("svg")
      .attr("viewBox", "0 0 " + width + " " + height)
      .attr("role", "group")
      .attr("aria-label", document.getElementById("map-title").textContent);
    svg.append("g").selectAll("path")
      .data(shapes)
      .join("path")
      .attr("d", path)
      .attr("class", function (f) {
        return "country" + (data.countries[iso3Of(f)] ? "" : " no-data");
      })
      .attr("fill", function (f) {
        var found = data.countries[iso3Of(f)];
        return found ? colour(found.risk) : data.noData;
      })
      .attr("data-iso3", function (f) { return iso3Of(f) || ""; })
      .each(function (f) {
        var info = describe(f);
        if (info.code) {
          this.setAttribute("tabindex", "0");
          this.setAttribute("role", "link");
          this.setAttribute("aria-label", info.name + ". " + info.lines.join(". ") + ". " + labels.open);
        } else {
          this.setAttribute("aria-hidden", "true");
        }
      })
      .on("mousemove", function (event, f) {
        var box = holder.parentNode.getBoundingClientRect();
        show(f, event.clientX - box.left, event.clientY - box.top);
      })
      .on("mouseleave", hide)
      .on("focus", function (event, f) {
        var box = holder.parentNode.getBoundingClientRect();
        var own = this.getBoundingClientRect();
        show(f, own.left - box.left + own.width / 2, own.top - box.top + own.height / 2);
      })
      .on("blur", hide)
      .on("click", function (event, f) { open(f); })
      .on("keydown", function (event, f) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          open(f);
        } else if (event.key === "Escape") {
          hide();
        }
      });
    holder.setAttribute("data-drawn", String(shapes.length));
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
