// The IceSurf page: pick a scene and a sensor, classify, see the class map, the coverage table and
// the model. Plain browser JavaScript, no dependencies; everything the API says is shown with
// textContent (never parsed as HTML), and the function key lives in sessionStorage only.
"use strict";

const KEY_STORAGE = "icesurf.functionKey";
const MEDIA_TYPES = { tif: "image/tiff", tiff: "image/tiff", npy: "application/x-npy",
                      json: "application/json" };

const config = JSON.parse(document.getElementById("config").textContent);
const apiRoot = document.body.dataset.apiRoot;
const byId = (id) => document.getElementById(id);
const classByCode = new Map(config.classes.map((surface) => [surface.code, surface]));
let mapUrl = null;

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function setStatus(text, kind = "") {
  const status = byId("status");
  status.textContent = text;
  status.className = kind;
}

function mediaTypeOf(file) {
  const suffix = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
  return MEDIA_TYPES[suffix] || file.type || "application/octet-stream";
}

// An error answer as one readable sentence: RFC 9457 problem details, or the host's empty 401/429.
async function describeError(response) {
  if (response.status === 401) {
    return "The API needs a function key (or the key is wrong): enter it under Access.";
  }
  let problem = null;
  try {
    problem = await response.json();
  } catch (ignored) { /* not JSON: the status line says enough */ }
  const title = (problem && problem.title) || response.statusText || "Error";
  const detail = problem && problem.detail ? `: ${problem.detail}` : "";
  const retry = response.headers.get("Retry-After");
  return `${response.status} ${title}${detail}${retry ? ` (try again in ${retry} s)` : ""}`;
}

function classifyUrl() {
  const query = new URLSearchParams({ sensor: byId("sensor").value });
  for (const name of ["scale", "nodata"]) {
    const value = byId(name).value.trim();
    if (value !== "") query.set(name, value);
  }
  return `${apiRoot}/classify?${query}`;
}

async function post(file, accept) {
  const headers = { "Content-Type": mediaTypeOf(file), Accept: accept };
  const key = byId("key").value.trim();
  if (key) headers["x-functions-key"] = key;
  const response = await fetch(classifyUrl(), { method: "POST", body: file, headers,
                                                 credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(await describeError(response));
  return response;
}

function percent(fraction) {
  return `${(100 * fraction).toFixed(1)} %`;
}

function albedo(value) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(3);
}

function colourOf(code) {
  const surface = classByCode.get(code);
  return surface ? surface.colour : config.nodata_colour;
}

function swatch(code) {
  const box = element("span", null, { class: "swatch", "aria-hidden": "true" });
  box.style.backgroundColor = colourOf(code);
  return box;
}

// One row per class of the summary (every class, in code order).
function classRows(summary) {
  return (summary.classes || []).slice().sort((a, b) => a.code - b.code);
}

function showResult(summary, pngBlob) {
  const model = summary.model || {};
  const facts = byId("facts");
  facts.replaceChildren();
  const shape = (summary.shape || []).join(" × ");
  for (const [term, value] of [
    ["Model", `${model.name || "?"} ${model.version || ""}`.trim()],
    ["Model sha256", (model.sha256 || "").slice(0, 16)],
    ["Sensor", summary.sensor],
    ["Size", shape ? `${shape} pixels` : "–"],
    ["Valid pixels", Number(summary.valid_pixels || 0).toLocaleString("en")],
    ["Mean albedo", albedo(summary.mean_albedo)],
  ]) {
    facts.append(element("dt", term), element("dd", value, term === "Model" ? { id: "model-version" } : {}));
  }

  if (mapUrl) URL.revokeObjectURL(mapUrl);
  mapUrl = URL.createObjectURL(pngBlob);
  const classMap = byId("class-map");
  classMap.style.backgroundColor = config.nodata_colour;  // masked pixels are transparent
  classMap.src = mapUrl;

  const rows = classRows(summary);
  const legend = byId("legend");
  legend.replaceChildren(...rows.map((row) => {
    const item = element("li");
    item.append(swatch(row.code), element("span", row.name));
    return item;
  }));
  const masked = element("li");
  masked.append(swatch(0), element("span", "no data (masked)"));
  legend.append(masked);

  const body = byId("coverage").tBodies[0];
  body.replaceChildren(...rows.map((row) => {
    const tr = element("tr", null, { "data-code": String(row.code) });
    const name = element("th", null, { scope: "row" });
    name.append(swatch(row.code), element("span", row.name));
    const bar = element("span", null, { class: "bar" });
    bar.style.width = `${Math.round(100 * row.coverage)}%`;
    bar.style.backgroundColor = colourOf(row.code);
    const barCell = element("td", null, { class: "bar-cell" });
    barCell.append(bar);
    tr.append(name, element("td", Number(row.pixels).toLocaleString("en"), { class: "num" }),
              element("td", percent(row.coverage), { class: "num" }), barCell,
              element("td", albedo(row.mean_albedo), { class: "num" }));
    return tr;
  }));
  byId("result").hidden = false;
}

async function classify(event) {
  event.preventDefault();
  const file = byId("scene").files[0];
  if (!file) {
    setStatus("Pick a scene file first.", "error");
    return;
  }
  const button = byId("classify");
  button.disabled = true;
  setStatus(`Classifying ${file.name} (${(file.size / 1048576).toFixed(1)} MiB)…`, "busy");
  try {
    const summary = await (await post(file, "application/json")).json();
    const png = await (await post(file, "image/png")).blob();
    showResult(summary, png);
    setStatus(`Classified ${file.name}.`, "ok");
  } catch (error) {
    const message = error instanceof TypeError ? `Cannot reach the API (${error.message}).`
                                               : error.message;
    setStatus(message, "error");
  } finally {
    button.disabled = false;
  }
}

async function checkHealth() {
  const line = byId("health");
  try {
    const response = await fetch(`${apiRoot}/health`, { cache: "no-store" });
    const report = await response.json();
    line.textContent = `API ${report.status} · version ${report.version || "?"}`;
    line.className = report.status === "ok" ? "ok" : "error";
  } catch (error) {
    line.textContent = "The API does not answer.";
    line.className = "error";
  }
}

function setUp() {
  const sensor = byId("sensor");
  for (const entry of config.sensors) {
    const option = element("option", `${entry.name} (${entry.bands} bands)`, { value: entry.name });
    option.selected = entry.name === config.default_sensor;
    sensor.append(option);
  }
  const key = byId("key");
  key.value = sessionStorage.getItem(KEY_STORAGE) || "";
  key.addEventListener("input", () => {
    if (key.value) sessionStorage.setItem(KEY_STORAGE, key.value);
    else sessionStorage.removeItem(KEY_STORAGE);
  });
  byId("classify-form").addEventListener("submit", classify);
  checkHealth();
}

setUp();
