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
})();
