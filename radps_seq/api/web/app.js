// The web view of radps-seq: plain DOM calls over the REST API, no build step.
"use strict";

const FINAL = new Set(["derived", "succeeded", "partial", "failed", "cancelled"]);
let timer = null;

function token() { return sessionStorage.getItem("radps-token") || ""; }

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token()) headers["Authorization"] = "Bearer " + token();
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    document.getElementById("token-form").hidden = false;
    throw new Error("this service needs a token: enter it above");
  }
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail; } catch (e) { /* not JSON */ }
    throw new Error(detail);
  }
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function when(ts) { return ts ? new Date(ts * 1000).toLocaleString() : "–"; }

function say(text) { document.getElementById("message").textContent = text || ""; }

async function showList() {
  document.getElementById("list-view").hidden = false;
  document.getElementById("detail-view").hidden = true;
  const status = document.getElementById("status-filter").value;
  const page = await api("/reductions?limit=200" + (status ? "&status=" + status : ""));
  const body = document.querySelector("#reductions tbody");
  body.replaceChildren(...page.items.map((r) => el("tr", { "data-id": r.id },
    el("td", {}, el("a", { href: "#/reductions/" + r.id }, el("code", {}, r.id))),
    el("td", {}, r.workflow || ""), el("td", { class: "planner" }, r.planner || ""),
    el("td", {}, el("span", { class: "status " + r.status }, r.status)),
    el("td", {}, when(r.created_ts)), el("td", {}, when(r.finished_ts)))));
  if (page.items.some((r) => !FINAL.has(r.status))) timer = setTimeout(route, 2000);
}

function planList(record) {
  const plan = record.plan;
  const refusal = document.getElementById("refusal");
  refusal.hidden = !record.refused.length;
  refusal.replaceChildren(el("strong", {}, "The guard refused the proposed plan; the baseline ran instead:"),
    el("ul", {}, ...record.refused.map((reason) => el("li", {}, reason))));
  const tasks = Object.fromEntries(record.jobs.map((j) => [j.id, j.task]));
  if (!plan) return [el("li", {}, "no plan yet (" + record.status + ")")];
  const skip = new Set(plan.skip || []);
  return plan.order.map((job) => el("li", { class: skip.has(job) ? "skip" : "" },
    (tasks[job] || "?") + " ", el("code", {}, job), skip.has(job) ? " (skipped)" : ""));
}

function timeline(record) {
  const rows = record.timings.jobs.filter((r) => r.start_ts && r.end_ts);
  if (!rows.length) return el("p", {}, "no job has run yet");
  const t0 = Math.min(...rows.map((r) => r.start_ts));
  const span = Math.max(...rows.map((r) => r.end_ts)) - t0 || 1;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const width = 600, line = 18;
  svg.setAttribute("width", width + 220); svg.setAttribute("height", rows.length * line + 10);
  rows.forEach((r, i) => {
    const bar = document.createElementNS(ns, "rect");
    const x = 200 + ((r.start_ts - t0) / span) * width;
    bar.setAttribute("x", x); bar.setAttribute("y", 4 + i * line);
    bar.setAttribute("width", Math.max(2, ((r.end_ts - r.start_ts) / span) * width));
    bar.setAttribute("height", line - 4);
    bar.setAttribute("fill", r.status === "failed" ? "#d66" : r.status === "cached" ? "#8ab" : "#6a6");
    bar.setAttribute("class", "bar");
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 2); label.setAttribute("y", 16 + i * line); label.setAttribute("font-size", 11);
    label.textContent = r.task + " " + r.job_id.slice(0, 8) + " " + r.status;
    svg.append(bar, label);
  });
  return svg;
}

async function showDetail(id) {
  document.getElementById("list-view").hidden = true;
  document.getElementById("detail-view").hidden = false;
  const record = await api("/reductions/" + id);
  document.getElementById("detail-id").textContent = record.id;
  const status = document.getElementById("detail-status");
  status.textContent = record.status; status.className = "status " + record.status;
  document.getElementById("detail-summary").textContent =
    `workflow ${record.workflow}, planner ${record.planner}, ${record.jobs.length} jobs` +
    (record.error ? ` — ${record.error}` : "");
  const mlflow = document.getElementById("mlflow");
  mlflow.replaceChildren();
  if (record.mlflow) {
    mlflow.append(record.mlflow.url ? el("a", { href: record.mlflow.url, id: "mlflow-link" }, "MLflow run " + record.mlflow.run_id)
      : "MLflow run " + record.mlflow.run_id);
  }
  const cancel = document.getElementById("cancel");
  cancel.hidden = FINAL.has(record.status);
  cancel.onclick = async () => { try { await api(`/reductions/${id}/cancel`, { method: "POST" }); route(); } catch (e) { say(e.message); } };
  document.getElementById("graph").innerHTML = await api(`/reductions/${id}/graph?format=svg`);
  document.getElementById("plan").replaceChildren(...planList(record));
  document.getElementById("timeline").replaceChildren(timeline(record));
  document.getElementById("products").replaceChildren(...Object.entries(record.products).flatMap(
    ([job, paths]) => paths.map((p) => el("li", {}, el("code", {}, job.slice(0, 8)), " " + p))));
  if (!FINAL.has(record.status)) timer = setTimeout(route, 1500);
}

async function route() {
  clearTimeout(timer);
  const match = location.hash.match(/^#\/reductions\/([A-Za-z0-9_.-]+)$/);
  try {
    say("");
    await (match ? showDetail(match[1]) : showList());
  } catch (e) {
    say(e.message);
  }
}

document.getElementById("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("radps-token", document.getElementById("token").value);
  document.getElementById("token-form").hidden = true;
  route();
});
document.getElementById("status-filter").addEventListener("change", route);
window.addEventListener("hashchange", route);
route();
