/* The ballot's running total, live. Without this file the "Update total" button asks the
   server for the same sentence; with it, the sentence follows every change and is read
   out politely by screen readers (the paragraph is an aria-live region). The sentences
   come from the page (data-template-*), translated, with {placeholders} filled here the
   way the server fills them. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-ballot]");
  if (!form) { return; }
  var kind = form.getAttribute("data-kind");
  var out = form.querySelector("[data-total-text]");
  var box = form.querySelector("[data-total]");
  var meter = form.querySelector("[data-meter]");
  var update = form.querySelector("[data-update]");
  if (!out || !box) { return; }
  var budget = parseInt(form.getAttribute("data-budget"), 10) || 0;
  var pointsTotal = parseInt(form.getAttribute("data-points-total"), 10) || 0;
  var places = parseInt(form.getAttribute("data-places"), 10) || 0;
  var prefix = form.getAttribute("data-prefix") || "";
  var suffix = form.getAttribute("data-suffix") || "";
  var decimal = form.getAttribute("data-decimal") || ".";
  var thousands = form.getAttribute("data-thousands") || ",";
  var templates = {
    ok: form.getAttribute("data-template-ok") || "",
    over: form.getAttribute("data-template-over") || "",
    none: form.getAttribute("data-template-none") || ""
  };

  function group(n) {
    var digits = String(n);
    var result = "";
    while (digits.length > 3) {
      result = thousands + digits.slice(-3) + result;
      digits = digits.slice(0, -3);
    }
    return digits + result;
  }

  // Minor units to text, as the server writes it: "$12,500", "$12,500.50", "12,500 PLN".
  function money(minor) {
    var whole = Math.floor(minor / 100);
    var cents = minor % 100;
    var text = group(whole);
    if (cents) { text += decimal + (cents < 10 ? "0" : "") + cents; }
    return prefix + text + suffix;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function wholeNumber(text) {
    var trimmed = text.trim();
    return /^\d+$/.test(trimmed) ? parseInt(trimmed, 10) : 0;
  }

  function compute() {
    var values = { budget: money(budget), places: places };
    var over = false;
    var none = false;
    var meterValue = null;
    if (kind === "cumulative") {
      var used = 0;
      form.querySelectorAll("input[data-points]").forEach(function (input) {
        used += wholeNumber(input.value);
      });
      values.used = used;
      values.total = pointsTotal;
      values.left = Math.max(pointsTotal - used, 0);
      values.over = used - pointsTotal;
      over = pointsTotal > 0 && used > pointsTotal;
      meterValue = Math.min(used, pointsTotal);
    } else if (kind === "ranked") {
      var seen = {};
      var count = 0;
      form.querySelectorAll("select[name^='rank-']").forEach(function (select) {
        if (select.value && !seen[select.value]) { seen[select.value] = true; count += 1; }
      });
      values.count = count;
    } else {
      var spent = 0;
      var chosen = 0;
      var title = "";
      form.querySelectorAll("input[name='project']:checked").forEach(function (input) {
        spent += parseInt(input.getAttribute("data-cost"), 10) || 0;
        chosen += 1;
        title = input.getAttribute("data-title") || "";
      });
      values.count = chosen;
      values.spent = money(spent);
      values.left = money(Math.max(budget - spent, 0));
      values.over = money(Math.max(spent - budget, 0));
      values.title = title;
      none = kind === "choose_one" && chosen === 0;
      if (kind === "knapsack") {
        over = spent > budget;
        meterValue = Math.min(spent, budget);
      }
    }
    var text = none ? templates.none : fill(over ? templates.over : templates.ok, values);
    if (text && out.textContent !== text) { out.textContent = text; }
    box.classList.toggle("pb-over", over);
    if (meter && meterValue !== null) { meter.value = meterValue; }
  }

  form.addEventListener("change", compute);
  form.addEventListener("input", compute);
  // The total now follows every change: the server round trip is no longer needed.
  if (update) { update.hidden = true; }
})();
