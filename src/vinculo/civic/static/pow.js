// The reporting form's proof-of-work: find a counter such that SHA-256("challenge:counter")
// starts with the challenge's number of zero bits, then send the form with it. Without
// JavaScript the form is sent as it is and the server applies its stricter limit.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var challenge = form.elements["pow_challenge"].value;
  var bits = parseInt(challenge.split(":")[2], 10);
  var encoder = new TextEncoder();
  var status = document.getElementById("pow-status");
  var sending = false;

  function zeroBits(bytes) {
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      return count + Math.clz32(bytes[i]) - 24;
    }
    return count;
  }

  async function solve() {
    for (var counter = 0; ; counter++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + counter));
      if (zeroBits(new Uint8Array(digest)) >= bits) return String(counter);
    }
  }

  // States and municipalities: only the chosen state's municipalities are offered.
  var state = form.elements["state"];
  var municipality = form.elements["municipality"];
  function showMunicipalities() {
    var groups = municipality.querySelectorAll("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var mine = groups[i].getAttribute("data-state") === state.value;
      groups[i].hidden = !mine;
      groups[i].disabled = !mine;
    }
    var chosen = municipality.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) municipality.value = "";
  }
  state.addEventListener("change", showMunicipalities);
  showMunicipalities();

  var solution = solve();
  form.addEventListener("submit", function (event) {
    if (sending) return;
    event.preventDefault();
    status.textContent = status.getAttribute("data-working");
    status.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    solution.then(function (counter) {
      form.elements["pow_counter"].value = counter;
      sending = true;
      form.submit();
    });
  });
})();
