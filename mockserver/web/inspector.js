// The request inspector: the journal (GET /__admin/requests), newest first, polled every
// second while "live" is on, and what the mock stores (GET /__admin/collections,
// /__admin/records/<api>?path= and the created objects of GET /__admin/records).
// Everything shown is set as text, never as HTML: the journal holds whatever clients sent.
"use strict";

const POLL_MS = 1000;
const SHOWN = 500;
const opened = new Set();
const openedRecords = new Set();
let entries = [];
let signature = "";
let openCollection = null;

const $ = (id) => document.getElementById(id);

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function admin(path, options) {
  const response = await fetch(path, options);
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (ignored) { /* not JSON */ }
    throw new Error(`${options && options.method || "GET"} ${path}: ${response.status} ${detail}`);
  }
  return response.status === 204 ? null : response.json();
}

function showError(error) {
  $("error").hidden = !error;
  $("error").textContent = error ? String(error.message || error) : "";
}

function pretty(value) {
  if (value === null || value === undefined) return "(empty)";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function headerText(headers) {
  const lines = Object.entries(headers || {}).map(([name, value]) => `${name}: ${value}`);
  return lines.length ? lines.join("\n") : "(none)";
}

function statusClass(status) {
  return `status s${String(status)[0]}`;
}

function visible(entry) {
  const api = $("filter-api").value;
  const status = $("filter-status").value;
  const path = $("filter-path").value.trim();
  if (api && entry.api !== api) return false;
  if (status === "err" && entry.status < 400) return false;
  if (status && status !== "err" && String(entry.status)[0] !== status) return false;
  if (path && !entry.path.includes(path)) return false;
  return true;
}

function detail(entry) {
  const query = entry.query && entry.query.length ? "?" + entry.query.map(([k, v]) => `${k}=${v}`).join("&") : "";
  const problems = entry.problems && entry.problems.length
    ? element("ul", { class: "problems" }, ...entry.problems.map((p) => element("li", {}, p)))
    : null;
  const truncated = (name) => entry[`${name}_truncated`] ? ` (first 64 KB of ${entry[`${name}_bytes`]} bytes)` : "";
  return element("div", { class: "panes" },
    element("div", {},
      element("h3", {}, `Request ${entry.method} ${entry.path}${query}`),
      element("pre", { class: "request-headers" }, headerText(entry.headers)),
      element("h3", {}, `Body${truncated("body")}`),
      element("pre", { class: "request-body" }, pretty(entry.body))),
    element("div", {},
      element("h3", {}, `Response ${entry.status} · ${entry.duration_ms} ms${entry.operation ? " · " + entry.operation : ""}${entry.record ? " · record " + entry.record : ""}`),
      problems ? element("h3", {}, "Why it was refused") : null,
      problems,
      element("pre", { class: "response-headers" }, headerText(entry.response_headers)),
      element("h3", {}, `Body${truncated("response")}`),
      element("pre", { class: "response-body" }, pretty(entry.response))));
}

function row(entry) {
  const open = opened.has(entry.id);
  const when = entry.time.slice(11, 23);
  const tr = element("tr", { class: "entry" + (open ? " open" : ""), "data-id": entry.id },
    element("td", {}, when),
    element("td", {}, entry.api),
    element("td", {}, entry.method),
    element("td", { class: "path" }, entry.path),
    element("td", { class: statusClass(entry.status) }, entry.status),
    element("td", {}, entry.duration_ms),
    element("td", { class: "why" }, (entry.problems && entry.problems[0]) || ""));
  tr.addEventListener("click", () => {
    if (opened.has(entry.id)) opened.delete(entry.id); else opened.add(entry.id);
    render();
  });
  return open ? [tr, element("tr", { class: "detail" }, element("td", { colspan: "7" }, detail(entry)))] : [tr];
}

function render() {
  const shown = entries.filter(visible);
  const body = document.querySelector("#requests tbody");
  body.replaceChildren(...shown.flatMap(row));
  $("empty").hidden = entries.length > 0;
  $("count").textContent = `${shown.length} of ${entries.length} request${entries.length === 1 ? "" : "s"}`;
}

async function refreshRequests() {
  const journal = await admin(`requests?limit=${SHOWN}`);
  const newest = journal.requests.slice().reverse();
  const next = newest.length + ":" + (newest.length ? newest[0].id : "");
  if (next !== signature) {
    signature = next;
    entries = newest;
    render();
  }
}

async function loadApis() {
  const health = await admin("health");
  const select = $("filter-api");
  for (const api of health.apis) select.append(element("option", { value: api.name }, api.name));
}

async function refreshRecords() {
  const [listing, created] = await Promise.all([admin("collections"), admin("records")]);
  await showCollections(listing);
  const newest = created.records.slice().reverse();
  $("created").replaceChildren(
    element("h3", {}, `Created through the APIs: ${newest.length}`),
    ...newest.map((record) => {
      const name = `${record.created_at} ${record.api} ${record.id}`;
      const item = element("details", { class: "record" },
        element("summary", {}, `${record.created_at.slice(11, 23)} ${record.api} ${record.id === null ? "" : record.id}`),
        element("pre", {}, pretty(record.object)));
      item.open = openedRecords.has(name);
      item.addEventListener("toggle", () => { if (item.open) openedRecords.add(name); else openedRecords.delete(name); });
      return item;
    }));
}

async function showCollections(listing) {
  const list = $("collections");
  if (!listing.collections.length) {
    list.replaceChildren(element("p", { class: "empty" }, listing.stateful
      ? "No collection holds anything yet (the APIs' stateful collections fill as clients create)."
      : "The mock runs --stateless: nothing is stored."));
    $("records").replaceChildren();
    return;
  }
  list.replaceChildren(element("h3", {}, "Stored collections"), ...listing.collections.map((c) => {
    const name = `${c.api} ${c.path}`;
    return element("button", {
      class: "collection" + (openCollection === name ? " open" : ""),
      onclick: () => { openCollection = openCollection === name ? null : name; refreshRecords().catch(showError); },
    }, `${name} · ${c.count}`);
  }));
  const chosen = listing.collections.find((c) => `${c.api} ${c.path}` === openCollection);
  if (!chosen) { $("records").replaceChildren(); return; }
  const stored = await admin(`records/${encodeURIComponent(chosen.api)}?path=${encodeURIComponent(chosen.path)}`);
  $("records").replaceChildren(
    element("h3", {}, `${chosen.api} ${chosen.path}: ${stored.total} stored`),
    ...stored.records.map((record) => element("pre", { class: "record" }, pretty(record))));
}

function showTab(name) {
  for (const tab of ["requests", "records"]) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`${tab}-view`).hidden = tab !== name;
  }
  tick();
}

async function tick() {
  try {
    if (!$("requests-view").hidden) await refreshRequests();
    else await refreshRecords();
    showError(null);
  } catch (error) {
    showError(error);
  }
}

async function post(path, method) {
  try {
    await admin(path, { method, headers: { "Content-Type": "application/json" }, body: method === "POST" ? "{}" : undefined });
    signature = "";
    opened.clear();
    await tick();
  } catch (error) {
    showError(error);
  }
}

$("tab-requests").addEventListener("click", () => showTab("requests"));
$("tab-records").addEventListener("click", () => showTab("records"));
for (const id of ["filter-api", "filter-status", "filter-path"]) $(id).addEventListener("input", render);
$("clear").addEventListener("click", () => post("requests", "DELETE"));
$("reset").addEventListener("click", () => post("reset", "POST"));
setInterval(() => { if ($("live").checked) tick(); }, POLL_MS);
loadApis().then(tick).catch(showError);
