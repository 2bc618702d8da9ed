// Pins for the back-office map, when the portal's vendored Leaflet is present. The list
// below the map stays the accessible, complete view; the map is an extra.
(function () {
  "use strict";
  var box = document.getElementById("staff-map");
  if (!box || typeof L === "undefined") { return; }
  box.hidden = false;
  var map = L.map(box);
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "" }).addTo(map);
  }
  fetch(box.dataset.source, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var points = [];
      data.requests.forEach(function (r) {
        var marker = L.circleMarker([r.lat, r.lon], { radius: 6 }).addTo(map);
        var link = document.createElement("a");
        link.href = r.url;
        link.textContent = r.id + " " + r.service + " (" + r.status + ")";
        marker.bindPopup(link);
        points.push([r.lat, r.lon]);
      });
      if (points.length) { map.fitBounds(points, { maxZoom: 16 }); } else { map.setView([0, 0], 2); }
    });
})();
