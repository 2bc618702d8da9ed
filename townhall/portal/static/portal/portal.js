/* Progressive enhancement for every portal page. Everything works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });

  // Move focus to the error summary (or a search's results) so that screen readers
  // announce it and keyboard users start from it.
  var first = document.querySelector("[data-autofocus]");
  if (first) { first.focus(); }

  // An error summary link moves focus to its field and shows the field's label too.
  document.querySelectorAll(".error-summary a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var id = decodeURIComponent(link.hash.slice(1));
      var target = document.getElementById(id);
      if (!target) { return; }
      event.preventDefault();
      var holder = target.closest("fieldset, .field") || target;
      holder.scrollIntoView();
      target.focus({ preventScroll: true });
    });
  });

  // "Near my location": the browser's position becomes the list's centre.
  document.querySelectorAll("[data-near-me]").forEach(function (button) {
    if (!("geolocation" in navigator)) { button.hidden = true; return; }
    var status = document.querySelector("[data-geo-status]");
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        var url = button.getAttribute("data-near-me");
        window.location.href = url + "?lat=" + pos.coords.latitude.toFixed(6) + "&lon=" + pos.coords.longitude.toFixed(6);
      }, function () {
        if (status) { status.hidden = false; status.textContent = status.getAttribute("data-failed"); }
      }, { timeout: 10000 });
    });
  });
})();
