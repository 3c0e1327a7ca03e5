// tiffin's own console script: live regions over server-sent events, and one click per form.
"use strict";
(function () {
  function live(region) {
    var pending = null;
    var source = new EventSource(region.getAttribute("data-live"));
    function editing() {
      var el = document.activeElement;
      return el && region.contains(el) && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
    }
    function newCards() {
      var ids = {};
      region.querySelectorAll(".card.new[data-order]").forEach(function (c) {
        ids[c.getAttribute("data-order")] = true;
      });
      return ids;
    }
    var seen = newCards();
    var title = document.title;
    function flagArrivals() {
      // A kitchen's or a rider's new order or offer flashes, and the tab's title counts them.
      var now = newCards();
      var count = 0;
      var fresh = 0;
      region.querySelectorAll(".card.new[data-order]").forEach(function (c) {
        count += 1;
        if (!seen[c.getAttribute("data-order")]) { c.classList.add("arrived"); fresh += 1; }
      });
      if (fresh) { chime(); }
      seen = now;
      document.title = count ? "(" + count + ") " + title : title;
    }
    function apply(html) {
      region.innerHTML = html;
      flagArrivals();
      region.setAttribute("data-updated", String(Date.now()));
      document.dispatchEvent(new CustomEvent("tiffin:updated"));
    }
    source.addEventListener("region", function (event) {
      if (editing()) { pending = event.data; return; } // never wipe what someone is typing
      pending = null;
      apply(event.data);
    });
    region.addEventListener("focusout", function () {
      setTimeout(function () {
        if (pending !== null && !editing()) { apply(pending); pending = null; }
      }, 0);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  // A short two-tone chime on new orders, made by the browser itself (no sound file), once
  // the person has switched it on: browsers play sound only after a click on the page.
  var audio = null;
  function chime() {
    if (!audio) { return; }
    [880, 660].forEach(function (hz, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      var at = audio.currentTime + i * 0.18;
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.2, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.17);
    });
  }
  var sound = document.getElementById("sound");
  if (sound) {
    sound.addEventListener("click", function () {
      var on = sound.getAttribute("aria-pressed") !== "true";
      sound.setAttribute("aria-pressed", on ? "true" : "false");
      if (on && !audio && window.AudioContext) { audio = new window.AudioContext(); }
      if (!on && audio) { audio.close(); audio = null; }
      if (on) { chime(); }
    });
  }
  function drawing(svg) {
    // A risk zone drawn on the campus: each click on the map writes "lat,lon" into the form's
    // textarea (the inverse of tiffin/console/map.py's projection), which stays the source of
    // truth, so typing works too and the outline follows whatever is typed.
    var d = function (name) { return parseFloat(svg.getAttribute("data-" + name)); };
    var margin = d("margin"), maxLat = d("max-lat"), minLon = d("min-lon");
    var scale = d("scale"), cosLat = d("cos-lat");
    var points = document.getElementById("zone-points");
    var handoff = document.getElementById("zone-handoff");
    var outline = document.getElementById("draft-zone");
    var dot = document.getElementById("draft-handoff");
    function toXY(text) {
      var parts = text.split(",");
      var lat = parseFloat(parts[0]), lon = parseFloat(parts[1]);
      if (isNaN(lat) || isNaN(lon)) { return null; }
      return [margin + (lon - minLon) * cosLat * scale, margin + (maxLat - lat) * scale];
    }
    function redraw() {
      var xy = points.value.split("\n").map(toXY).filter(Boolean);
      outline.setAttribute("points", xy.map(function (p) { return p[0] + "," + p[1]; }).join(" "));
      var h = toXY(handoff.value);
      dot.setAttribute("cx", h ? h[0] : -20);
      dot.setAttribute("cy", h ? h[1] : -20);
    }
    svg.addEventListener("click", function (event) {
      var m = svg.getScreenCTM();
      if (!m) { return; }
      var p = new DOMPoint(event.clientX, event.clientY).matrixTransform(m.inverse());
      var lat = (maxLat - (p.y - margin) / scale).toFixed(6);
      var lon = (minLon + (p.x - margin) / (cosLat * scale)).toFixed(6);
      var mode = document.querySelector("input[name=clicks]:checked");
      if (mode && mode.value === "handoff") {
        handoff.value = lat + "," + lon;
      } else {
        points.value = (points.value.trim() ? points.value.trim() + "\n" : "") + lat + "," + lon;
      }
      redraw();
    });
    var undo = document.getElementById("zone-undo");
    undo.hidden = false; // only useful with the clicks above
    undo.addEventListener("click", function () {
      var lines = points.value.trim().split("\n");
      lines.pop();
      points.value = lines.join("\n");
      redraw();
    });
    points.addEventListener("input", redraw);
    handoff.addEventListener("input", redraw);
    redraw();
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; } // a double click
    form.setAttribute("data-sent", "1");
    var buttons = form.querySelectorAll("button[type=submit]");
    setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
  });
  document.addEventListener("change", function (event) {
    if (event.target.id === "language") { event.target.form.requestSubmit(); }
  });
  var region = document.querySelector("[data-live]");
  if (region) { live(region); }
  var drawn = document.getElementById("draw-map");
  if (drawn) { drawing(drawn); }
})();
