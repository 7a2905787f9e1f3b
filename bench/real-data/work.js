"use strict";
// The per-row work of the real-data bench, shared by every JavaScript variant so that they all run
// the same code. Each function stands alone (no outer names): pipelab sends worker-mode functions to
// its threads as source text.

/** The point the zip codes are measured from: New York City Hall. */
const POINT = { lat: 40.7128, lon: -74.006 };
/** Rows within this many km of POINT are kept. */
const RADIUS_KM = 100;

/** Haversine distance to New York City Hall (about 1 µs with the spread), coordinates as text. */
function withDistance(r) {
  const lat = Number(r.latitude);
  const lon = Number(r.longitude);
  const rad = Math.PI / 180;
  const a = Math.sin(((lat - 40.7128) * rad) / 2) ** 2 + Math.cos(40.7128 * rad) * Math.cos(lat * rad) * Math.sin(((lon + 74.006) * rad) / 2) ** 2;
  return { ...r, distance_km: 2 * 6371.0088 * Math.asin(Math.sqrt(a)) };
}

/** The same, for rows whose coordinates are numbers already (a cast, uDSV's typed objects). */
function withDistanceTyped(r) {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((r.latitude - 40.7128) * rad) / 2) ** 2 +
    Math.cos(40.7128 * rad) * Math.cos(r.latitude * rad) * Math.sin(((r.longitude + 74.006) * rad) / 2) ** 2;
  return { ...r, distance_km: 2 * 6371.0088 * Math.asin(Math.sqrt(a)) };
}

const near = (r) => r.distance_km <= 100;

/**
 * The distance plus about 20 µs of JavaScript per row: an FNV-1a signature of the row's text,
 * folded 400 times: 10,000 multiply-xor steps for a ~26-character row, 15-25 µs on the development
 * machine (the bench measures it and prints it).
 */
function withDistanceAndSignature(r) {
  const lat = Number(r.latitude);
  const lon = Number(r.longitude);
  const rad = Math.PI / 180;
  const a = Math.sin(((lat - 40.7128) * rad) / 2) ** 2 + Math.cos(40.7128 * rad) * Math.cos(lat * rad) * Math.sin(((lon + 74.006) * rad) / 2) ** 2;
  // The text goes to an array of char codes first, so that the hash costs the same whatever string
  // representation (sliced, concatenated, one- or two-byte) the CSV parser produced.
  const s = r.zip_code + "|" + r.city + "|" + r.state + "|" + r.county;
  const codes = new Int32Array(s.length);
  for (let i = 0; i < s.length; i++) codes[i] = s.charCodeAt(i);
  let h = 0x811c9dc5 | 0; // an int32 from the start: a double here would make V8 keep the loop on a slower path in some runs
  for (let k = 0; k < 400; k++) {
    for (let i = 0; i < codes.length; i++) h = Math.imul(h ^ codes[i], 0x01000193);
    h ^= k;
  }
  return { ...r, distance_km: 2 * 6371.0088 * Math.asin(Math.sqrt(a)), sig: (h >>> 0).toString(16).padStart(8, "0") };
}

/** A flight, enriched: its departure hour, whether it left more than 15 minutes late, a distance band. */
function enrichFlight(f) {
  return { ...f, hour: Math.floor(f.time), late: f.delay > 15, band: Math.floor(f.distance / 500) * 500 };
}

/** Adds an enriched flight to a per-hour aggregate (a Map from hour to { n, delay, late }). */
function addFlight(groups, f) {
  let g = groups.get(f.hour);
  if (g === undefined) groups.set(f.hour, (g = { n: 0, delay: 0, late: 0, longHaul: 0 }));
  g.n++;
  g.delay += f.delay;
  if (f.late) g.late++;
  if (f.band >= 1500) g.longHaul++;
}

/** The aggregate as a plain, ordered value: mean delay and late share per departure hour. */
function summarize(groups) {
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([hour, g]) => ({ hour, flights: g.n, meanDelay: g.delay / g.n, lateShare: g.late / g.n, longHaul: g.longHaul }));
}

module.exports = { POINT, RADIUS_KM, withDistance, withDistanceTyped, near, withDistanceAndSignature, enrichFlight, addFlight, summarize };
