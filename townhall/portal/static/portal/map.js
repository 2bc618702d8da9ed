/* The portal's maps (Leaflet, vendored): pick a place for a report, or show requests.
   With no tile URL configured the map shows the city's districts on a plain background,
   and the browser contacts no other server. */
(function () {
  "use strict";
  if (!window.L) { return; }
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function inRing(lon, lat, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function inPolygon(lon, lat, rings) {
    if (!inRing(lon, lat, rings[0])) { return false; }
    for (var k = 1; k < rings.length; k++) { if (inRing(lon, lat, rings[k])) { return false; } }
    return true;
  }
  function contains(feature, lat, lng) {
    var g = feature.geometry;
    var polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    for (var p = 0; p < polygons.length; p++) {
      if (inPolygon(lng, lat, polygons[p])) { return true; }
    }
    return false;
  }
  function areaAt(features, latlng) {
    for (var i = 0; i < features.length; i++) {
      if (contains(features[i], latlng.lat, latlng.lng)) { return features[i].properties.name; }
    }
    return null;
  }

  function makeMap(el) {
    var tiles = el.getAttribute("data-tile-url");
    var map = L.map(el, {
      zoomControl: false,
      attributionControl: Boolean(tiles),
      zoomAnimation: !reduced, fadeAnimation: !reduced, markerZoomAnimation: !reduced,
      keyboard: true, minZoom: 10, maxZoom: 19
    });
    L.control.zoom({
      zoomInTitle: el.getAttribute("data-zoom-in") || "Zoom in",
      zoomOutTitle: el.getAttribute("data-zoom-out") || "Zoom out"
    }).addTo(map);
    if (tiles) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(tiles, { attribution: el.getAttribute("data-attribution") || "" }).addTo(map);
    }
    return map;
  }

  function loadAreas(el, map) {
    // data-focus-area (a district's code) draws that district more boldly than the others.
    var focus = el.getAttribute("data-focus-area");
    return fetch(el.getAttribute("data-areas-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .catch(function () { return { features: [] }; })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          interactive: false,
          style: function (feature) {
            var on = Boolean(focus) && feature.properties.code === focus;
            return { color: "#1a4480", weight: on ? 4 : 2, fillColor: "#73b3e7", fillOpacity: on ? 0.35 : 0.15 };
          },
          onEachFeature: function (feature, shape) {
            shape.bindTooltip(feature.properties.name, { permanent: true, direction: "center", className: "area-label" });
          }
        }).addTo(map);
        if (data.features && data.features.length) { map.fitBounds(layer.getBounds()); }
        else { map.setView([0, 0], 2); }
        return data.features || [];
      });
  }

  function pickMap(el) {
    var map = makeMap(el);
    var latInput = document.getElementById(el.getAttribute("data-lat-input"));
    var lonInput = document.getElementById(el.getAttribute("data-lon-input"));
    var status = document.querySelector("[data-pin-status]");
    var features = [];
    var marker = null;

    function say(text) { if (status) { status.textContent = text; } }
    function setPin(latlng, pan) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, autoPanOnFocus: true,
          alt: el.getAttribute("data-marker-label"), title: el.getAttribute("data-marker-label") }).addTo(map);
        marker.on("dragend", function () { setPin(marker.getLatLng(), false); });
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) { map.setView(latlng, Math.max(map.getZoom(), 16), { animate: !reduced }); }
      var area = features.length ? areaAt(features, latlng) : null;
      if (features.length && !area) {
        latInput.value = ""; lonInput.value = "";
        say(status.getAttribute("data-outside"));
        return;
      }
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      say(area ? status.getAttribute("data-placed").replace("%(area)s", area) : status.getAttribute("data-placed-no-area"));
    }

    loadAreas(el, map).then(function (found) {
      features = found;
      if (latInput.value && lonInput.value) {
        setPin(L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value)), true);
      }
    });
    map.on("click", function (event) { setPin(event.latlng, false); });

    var centre = document.querySelector("[data-pin-centre]");
    if (centre) { centre.addEventListener("click", function () { setPin(map.getCenter(), false); }); }

    var locate = document.querySelector("[data-locate]");
    if (locate) {
      if (!("geolocation" in navigator)) { locate.hidden = true; }
      locate.addEventListener("click", function () {
        say(status.getAttribute("data-locating"));
        navigator.geolocation.getCurrentPosition(function (pos) {
          setPin(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
        }, function () { say(status.getAttribute("data-geo-failed")); }, { timeout: 10000 });
      });
    }

    var query = document.getElementById("place-query");
    var searchButton = document.querySelector("[data-place-search]");
    var results = document.querySelector("[data-place-results]");
    function search() {
      var text = query.value.trim();
      if (text.length < 2) { return; }
      fetch(query.getAttribute("data-places-url") + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          results.textContent = "";
          var found = data.results || [];
          var intro = document.createElement("p");
          intro.textContent = results.getAttribute(found.length ? "data-found" : "data-none");
          results.appendChild(intro);
          if (!found.length) { return; }
          var list = document.createElement("ul");
          list.className = "place-results";
          found.forEach(function (place) {
            var item = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.className = "link-button";
            button.textContent = place.label;
            button.addEventListener("click", function () {
              setPin(L.latLng(place.lat, place.lon), true);
              var address = document.getElementById("id_address");
              if (address && !address.value && place.kind === "address") { address.value = place.label; }
            });
            item.appendChild(button);
            list.appendChild(item);
          });
          results.appendChild(list);
        });
    }
    if (query && searchButton) {
      searchButton.addEventListener("click", search);
      query.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); search(); }
      });
    }
  }

  // Where a "show" map looks once its pins are on it. By default: the pins, close up.
  // data-fit="city": the whole city (the districts give a pin its context);
  // data-fit="areas": the pins and the districts they are in (or data-focus-area's district).
  function frame(el, map, features, pins) {
    var fit = el.getAttribute("data-fit");
    var focus = el.getAttribute("data-focus-area");
    if ((fit || focus) && features.length) {
      if (fit === "city" && !focus) { return; }  // loadAreas already shows the whole city
      var around = null;
      features.forEach(function (feature) {
        var wanted = focus ? feature.properties.code === focus : pins.some(function (pin) {
          return contains(feature, pin.lat, pin.lon);
        });
        if (!wanted) { return; }
        var b = L.geoJSON(feature).getBounds();
        around = around ? around.extend(b) : b;
      });
      if (around) {
        pins.forEach(function (pin) { around.extend([pin.lat, pin.lon]); });
        map.fitBounds(around, { padding: [10, 10] });
      }
      return;  // no district found: the whole city, as loadAreas left it
    }
    if (pins.length) {
      map.fitBounds(pins.map(function (pin) { return [pin.lat, pin.lon]; }), { maxZoom: 16, padding: [20, 20] });
    }
  }

  function showMap(el) {
    var map = makeMap(el);
    var data = document.getElementById(el.getAttribute("data-pins"));
    var pins = data ? JSON.parse(data.textContent) : [];
    loadAreas(el, map).then(function (features) {
      pins.forEach(function (pin) {
        var marker = L.circleMarker([pin.lat, pin.lon], {
          radius: 8, weight: 2, color: "#fff", fillOpacity: 1,
          fillColor: pin.open ? "#1a4480" : "#565c65"
        }).addTo(map);
        marker.bindTooltip(pin.label);
        marker.on("click", function () { window.location.href = pin.url; });
      });
      frame(el, map, features, pins);
    });
  }

  document.querySelectorAll("[data-map]").forEach(function (el) {
    el.hidden = false;
    var section = el.closest(".js-only");
    if (section) { section.hidden = false; }
    if (el.getAttribute("data-map") === "pick") { pickMap(el); } else { showMap(el); }
  });
})();
