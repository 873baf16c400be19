// The status page of assetsync serve: shows times in the viewer's zone, polls the JSON endpoints
// every few seconds, and starts a sync through POST sync/now (the same rules as any client).
// Every URL is relative, so the page works wherever a host app mounts the router.
"use strict";

const POLL_MS = 5000;
const RUN_POLL_MS = 1500;
const body = document.body;
const staleAfter = body.dataset.staleAfter === "" ? null : Number(body.dataset.staleAfter);
const pageRows = Number(body.dataset.pageRows);
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const timeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
});
const zoneShort = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" })
  .formatToParts(new Date()).find((p) => p.type === "timeZoneName");
let lastRunsKey = null;
let tracking = null; // the run id this page started and is following
let watching = false; // showing that a run started elsewhere (the schedule, another client) is going

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function timeEl(iso) {
  const t = el("time", timeFormat.format(new Date(iso)), { datetime: iso });
  return t;
}

function localizeTimes(root) {
  for (const t of root.querySelectorAll("time[datetime]")) {
    t.textContent = timeFormat.format(new Date(t.getAttribute("datetime")));
  }
}

function ageText(seconds) {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return "less than a minute";
  const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
  const parts = days ? [`${days} d`] : [];
  if (hours || days) parts.push(`${hours} h`);
  parts.push(`${mins} min`);
  return parts.join(" ");
}

function durationText(value) {
  if (value >= 60) return `${Math.floor(value / 60)} min ${Math.floor(value % 60)} s`;
  return `${value.toFixed(1)} s`;
}

// Kept in step with scheduler_text() in page.py.
function schedulerText(schedule) {
  const state = body.dataset.scheduling === "off" ? "off in this process (ASSETSYNC_SCHEDULER=off)" : schedule.state;
  return state + (schedule.sync_running ? " (a sync is running)" : "");
}

function statusClass(status) {
  return status === "success" ? "ok" : status === "running" ? "info" : "bad";
}

function count(value) {
  return value === null || value === undefined ? "" : value.toLocaleString("en-US");
}

function badge(text, cls) {
  return el("span", text, { class: `badge ${cls}` });
}

// Kept in step with _run_row() in page.py, which draws the first rows on the server.
function row(run) {
  const tr = el("tr");
  const head = el("th", null, { scope: "row" });
  head.append(el("a", run.id, { href: `sync/runs/${run.id}` }));
  tr.append(head);
  const status = el("td");
  status.append(badge(run.status, statusClass(run.status)));
  const started = el("td");
  started.append(timeEl(run.started_at));
  tr.append(status, started, el("td", run.duration_seconds === null ? "" : durationText(run.duration_seconds)));
  for (const n of [run.fetched, run.inserted, run.updated, run.removed]) tr.append(el("td", count(n), { class: "num" }));
  tr.append(el("td", (run.error || "").trim().split("\n")[0], { class: "error" }));
  return tr;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `${path} answered ${response.status}`);
  return data;
}

function showHealth(health, schedule) {
  const last = health.last_success;
  const box = document.getElementById("last-success");
  box.replaceChildren();
  if (last === null) {
    box.className = "warn";
    box.append(badge("None yet", "warn"), " no successful sync is recorded");
  } else {
    const overdue = staleAfter !== null && last.age_seconds > staleAfter;
    box.className = overdue ? "bad" : "ok";
    box.append(badge(overdue ? "Overdue" : "On time", box.className), ` run ${last.run_id}, `,
      timeEl(last.finished_at), ` (${ageText(last.age_seconds)} ago)`);
  }
  const db = document.getElementById("database");
  db.textContent = health.database;
  db.className = health.database === "ok" ? "ok" : "bad";
  document.getElementById("scheduler").textContent = schedulerText(schedule);
  const nexts = document.getElementById("next-runs");
  nexts.replaceChildren(...(schedule.next_runs.length
    ? schedule.next_runs.map((t) => { const li = el("li"); li.append(timeEl(t)); return li; })
    : [el("li", "none")]));
  if (tracking === null) {
    const button = document.getElementById("sync-now");
    button.disabled = schedule.sync_running;
    if (schedule.sync_running) {
      const which = schedule.current_run_id === null ? "A sync" : `Run ${schedule.current_run_id}`;
      say(`${which} is running.`);
      watching = true;
    } else if (watching) { // a run this page did not start has ended: its row says how
      say("");
      watching = false;
    }
  }
}

async function showRuns(runs) {
  const tbody = document.querySelector("#runs tbody");
  tbody.replaceChildren(...(runs.length ? runs.map(row) : [row0("No runs yet.")]));
  const key = runs.map((r) => `${r.id}:${r.status}`).join(",");
  if (key !== lastRunsKey) {
    lastRunsKey = key;
    const svg = await fetch("status/chart.svg", { cache: "no-store" });
    if (svg.ok) document.getElementById("chart").innerHTML = await svg.text(); // drawn and escaped by the server
  }
}

function row0(text, cls) {
  const tr = el("tr");
  tr.append(el("td", text, { colspan: "9", class: cls || "" }));
  return tr;
}

async function refresh() {
  try {
    const [health, schedule] = await Promise.all([getJson("health"), getJson("sync/schedule")]);
    showHealth(health, schedule);
    await showRuns(await getJson(`sync/runs?limit=${pageRows}`));
  } catch (error) {
    const tbody = document.querySelector("#runs tbody");
    tbody.replaceChildren(row0(`The run history cannot be read: ${error.message}`, "bad"));
  }
}

function say(text) {
  document.getElementById("progress").textContent = text;
}

async function follow(runId, started) {
  for (;;) {
    const run = await getJson(`sync/runs/${runId}`).catch(() => null);
    const seconds = Math.round((Date.now() - started) / 1000);
    if (run !== null && run.status !== "running") {
      const counts = `${count(run.fetched)} fetched, ${count(run.inserted)} inserted, ` +
        `${count(run.updated)} updated, ${count(run.removed)} removed`;
      const error = run.error ? `: ${run.error.trim().split("\n")[0]}` : "";
      say(`Run ${runId} ended: ${run.status} after ${durationText(run.duration_seconds || 0)} (${counts})${error}`);
      return;
    }
    say(`Run ${runId} is running (${seconds} s so far)…`);
    await new Promise((resolve) => setTimeout(resolve, RUN_POLL_MS));
  }
}

async function syncNow(event) {
  event.preventDefault();
  const button = document.getElementById("sync-now");
  const tokenInput = document.getElementById("token");
  const headers = { Accept: "application/json" };
  if (tokenInput && tokenInput.value) headers.Authorization = `Bearer ${tokenInput.value}`;
  button.disabled = true;
  tracking = "starting"; // keeps the polling from re-enabling the button meanwhile
  say("Starting a sync…");
  try {
    const response = await fetch("sync/now", { method: "POST", headers });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(`Not started: ${data.detail || `the server answered ${response.status}`}`);
      return;
    }
    tracking = data.run_id;
    await refresh();
    if (data.run_id !== null) await follow(data.run_id, Date.now());
  } catch (error) {
    say(`Not started: ${error.message}`);
  } finally {
    tracking = null;
    button.disabled = false;
    await refresh();
  }
}

document.getElementById("zone-note").textContent =
  `Times are in your local time zone, ${zone}${zoneShort ? ` (${zoneShort.value})` : ""}.`;
localizeTimes(document);
document.getElementById("sync-form").addEventListener("submit", syncNow);
setInterval(refresh, POLL_MS);
