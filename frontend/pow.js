// The reporting form's proof-of-work, bundled with hash-wasm's scrypt into the public site's
// static folder. For each of the challenge's rounds, find a counter such that
// scrypt("challenge:round:counter", N = 2^cost, r = 8, p = 1) starts with the challenge's
// number of zero bits (civic/guard.py checks it), then send the form with the counters.
// Solving starts when the page loads, one hash at a time on the page's own thread so that the
// page stays responsive between hashes. Without JavaScript the form is sent as it is and the
// server applies its stricter limit.
import { scrypt } from "hash-wasm";

const SALT = new TextEncoder().encode("vinculo-pow");

function zeroBits(bytes) {
  let count = 0;
  for (const byte of bytes) {
    if (byte === 0) {
      count += 8;
      continue;
    }
    return count + Math.clz32(byte) - 24;
  }
  return count;
}

// Hashes an answer took: each round's counter, plus one.
const hashes = (counters) => counters.split(",").reduce((sum, c) => sum + Number(c) + 1, 0);

async function solve(challenge) {
  const [, , cost, rounds, bits] = challenge.split(":").map((part) => parseInt(part, 10));
  const counters = [];
  for (let round = 0; round < rounds; round++) {
    for (let counter = 0; ; counter++) {
      const digest = await scrypt({
        password: `${challenge}:${round}:${counter}`,
        salt: SALT,
        costFactor: 2 ** cost,
        blockSize: 8,
        parallelism: 1,
        hashLength: 16,
        outputType: "binary",
      });
      if (zeroBits(digest) >= bits) {
        counters.push(String(counter));
        break;
      }
    }
  }
  return counters.join(",");
}

const form = document.getElementById("report-form");
if (form && window.WebAssembly) {
  const status = document.getElementById("pow-status");
  let sending = false;

  // States and municipalities: only the chosen state's municipalities are offered.
  const state = form.elements["state"];
  const municipality = form.elements["municipality"];
  const showMunicipalities = () => {
    for (const group of municipality.querySelectorAll("optgroup")) {
      const mine = group.getAttribute("data-state") === state.value;
      group.hidden = !mine;
      group.disabled = !mine;
    }
    const chosen = municipality.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) municipality.value = "";
  };
  state.addEventListener("change", showMunicipalities);
  showMunicipalities();

  const started = performance.now();
  const solution = solve(form.elements["pow_challenge"].value).then((counters) => {
    // How long the page took, in seconds, and how many hashes: read by bench/civic.py.
    form.dataset.powSeconds = ((performance.now() - started) / 1000).toFixed(3);
    form.dataset.powHashes = String(hashes(counters));
    return counters;
  });
  form.addEventListener("submit", (event) => {
    if (sending) return;
    event.preventDefault();
    status.textContent = status.getAttribute("data-working");
    status.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    solution.then((counters) => {
      form.elements["pow_counter"].value = counters;
      sending = true;
      form.submit();
    });
  });
}
