// The workbench's few scripts: forms to the JSON API, progress over server-sent events,
// results drawn with plotly.js (served by the app itself, never a CDN).
"use strict";

const W = JSON.parse(document.getElementById("words").textContent);
const LANG = document.body.dataset.lang;
const COLOURS = { before: "#9aa5b1", after: "#2f7d5b" };
const PLOT_CONFIG = { responsive: true, displaylogo: false };
// The charts' text in the page's font: Chinese in the bundled Noto Sans SC (app.css).
const PLOT_FONT = { family: getComputedStyle(document.body).fontFamily };
// Every change of state carries the session's token (the server refuses it otherwise).
const CSRF = document.querySelector('meta[name="csrf-token"]').content;

function post(url, init = {}) {
  return fetch(url, { ...init, method: "POST", headers: { ...init.headers, "X-CSRF-Token": CSRF } });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function bilingual(text) {
  // "Hospital 医院" -> the part in the page's language (the catalog writes English first)
  const m = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/.exec(text || "");
  if (!m) return text;
  const en = text.slice(0, m.index).trim().replace(/[,;:\-—]+$/, "").trim();
  return LANG === "zh" ? text.slice(m.index).trim() : en || text;
}

function fmt(x, digits = 3) {
  if (x === null || x === undefined) return "–";
  if (typeof x !== "number") return String(x);
  if (Number.isInteger(x)) return x.toLocaleString("en");
  return Number(x.toPrecision(digits)).toLocaleString("en", { maximumFractionDigits: 6 });
}

function pct(before, after) {
  if (typeof before !== "number" || typeof after !== "number" || before === 0) return "";
  const p = ((after - before) / before) * 100;
  return `${p > 0 ? "+" : ""}${p.toFixed(1)} %`;
}

// A share (0..1) as a percentage; its change in percentage points, never a relative %.
function share(x) {
  return typeof x === "number" ? `${(x * 100).toFixed(1)} %` : "–";
}

function points(before, after) {
  if (typeof before !== "number" || typeof after !== "number") return "";
  const p = (after - before) * 100;
  return `${p > 0 ? "+" : ""}${p.toFixed(1)} ${W.pp}`;
}

// A mean with its 95 % interval, each end in the mean's own format; an interval that
// does not hold its mean is not one (a pooled mean beside per-replication ends): widened.
function withInterval(mean, ci, format = fmt) {
  if (typeof mean !== "number") return "–";
  if (!ci || typeof ci[0] !== "number" || typeof ci[1] !== "number" || ci[0] === ci[1]) return format(mean);
  return `${format(mean)} [${format(Math.min(ci[0], mean))}, ${format(Math.max(ci[1], mean))}]`;
}

// The page's language goes with every request, so what the server says back is in it.
async function postJSON(url, data) {
  const response = await post(`${url}${url.includes("?") ? "&" : "?"}lang=${LANG}`, {
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(data),
  });
  let body = {};
  try { body = await response.json(); } catch (e) { body = { error: `HTTP ${response.status}` }; }
  return { ok: response.ok, status: response.status, body };
}

function showProblems(form, problems) {
  form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  for (const [field, reason] of Object.entries(problems || {})) {
    const slot = form.querySelector(`.field-error[data-for="${CSS.escape(field)}"]`);
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
    // the slot sits under its field, which names it in the page's language
    if (slot) slot.textContent = reason;
    else setStatus(reason, true);
  }
}

function setStatus(text, bad = false) {
  const s = document.getElementById("status");
  if (s) { s.textContent = text; s.classList.toggle("bad", bad); }
}

// Start a job, follow its events; handlers get each progress event and the end.
async function runJob(url, data, form, handlers) {
  const run = document.getElementById("run");
  const cancel = document.getElementById("cancel");
  const bar = document.getElementById("progress");
  showProblems(form, {});
  setStatus("");
  const { ok, body } = await postJSON(url, data);
  if (!ok) {
    if (body.problems) showProblems(form, body.problems);
    else setStatus(body.error || "error", true);
    return;
  }
  run.disabled = true;
  cancel.disabled = false;
  if (bar) { bar.hidden = false; bar.removeAttribute("value"); }
  setStatus("…");
  cancel.onclick = () => {
    cancel.disabled = true;
    setStatus(LANG === "zh" ? "正在停止…" : "stopping…");
    post(`/api/jobs/${body.job}/cancel`);
  };
  const source = new EventSource(`/api/jobs/${body.job}/events`);
  const end = (text, bad) => {
    source.close();
    run.disabled = false;
    cancel.disabled = true;
    if (bar) bar.hidden = true;
    setStatus(text, bad);
  };
  source.addEventListener("queued", (e) => {
    const { ahead } = JSON.parse(e.data);
    setStatus(LANG === "zh" ? `排队中，前面还有 ${ahead} 个` : `queued: ${ahead} ahead`);
  });
  source.addEventListener("progress", (e) => {
    const event = JSON.parse(e.data);
    if (bar && event.total) { bar.max = event.total; bar.value = event.done; }
    if (typeof event.done === "number" && event.total) setStatus(`${event.done} / ${event.total}`);
    if (handlers.progress) handlers.progress(event);
  });
  source.addEventListener("done", (e) => {
    const event = JSON.parse(e.data);
    if (event.run_id) end(`${LANG === "zh" ? "完成，运行记录" : "done: run"} #${event.run_id}`);
    else end(`${LANG === "zh" ? "完成，但未记入运行列表" : "done, not in the run list"}: ${(event.messages && event.messages[LANG]) || event.message}`, true);
    handlers.done(event.result, event.run_id);
  });
  source.addEventListener("error", (e) => {
    if (!e.data) return; // a dropped connection: EventSource reconnects by itself
    const event = JSON.parse(e.data);
    end((event.messages && event.messages[LANG]) || event.message, true);
  });
  source.addEventListener("cancelled", () => end(LANG === "zh" ? "已取消" : "cancelled", true));
}

// --- what-if -------------------------------------------------------------------------

const ROWS = [
  ["steps", null], ["materials", null], ["trips", null], ["form_fields", null],
  ["time_working_days", "mean"], ["time_working_days", "p50"], ["time_working_days", "p90"],
  ["wait_minutes", "mean"], ["trips_observed", "mean"],
  ["within_promise", null], ["promise_working_days", null], ["cases", null], ["unfinished", null],
];

function valueOf(m, key, part) {
  const v = m[key];
  return part ? (v ? v[part] : null) : v;
}

function label(key, part) {
  const base = W[key] || key.replaceAll("_", " ");
  return part && part !== "mean" ? `${base} · ${W[part] || part}` : base;
}

function compareTable(doc, intervals) {
  const table = el("table", { class: "compare" });
  table.append(el("thead", {}, el("tr", {},
    el("th", { text: W.measure }), el("th", { text: `${W.before}: ${W.ci}` }),
    el("th", { text: `${W.after}: ${W.ci}` }), el("th", { text: W.change }))));
  const body = el("tbody");
  for (const [key, part] of ROWS) {
    const b = valueOf(doc.before, key, part), a = valueOf(doc.after, key, part);
    if (b === undefined && a === undefined) continue;
    const id = part ? `${key}.${part}` : key;
    const isShare = key === "within_promise";
    const cell = (mode, v) => {
      const m = doc[mode][key];
      const ci = isShare ? intervals?.[mode]?.within_promise : part === "mean" && m ? m.ci95 : null;
      const td = el("td", { class: "num", "data-key": `${mode}.${id}`, text: withInterval(v, ci, isShare ? share : fmt) });
      td.dataset.value = JSON.stringify(v);
      return td;
    };
    body.append(el("tr", {}, el("th", { text: label(key, part) }), cell("before", b), cell("after", a),
      el("td", { class: "num", text: isShare ? points(b, a) : pct(b, a) })));
  }
  table.append(body);
  return el("div", { class: "scroll" }, table);
}

function utilisationTable(doc, places, intervals) {
  const table = el("table", { class: "utilisation" });
  table.append(el("thead", {}, el("tr", {}, el("th", { text: W.utilisation }), el("th", { text: `% ${W.ci}` }), el("th", { text: `${W.wait_minutes} ${W.ci}` }))));
  const body = el("tbody");
  for (const mode of ["before", "after"]) {
    for (const [place, u] of Object.entries(doc[mode].utilisation || {})) {
      const name = bilingual((places[mode] || {})[place] || place);
      const td = el("td", { class: "num", "data-key": `${mode}.utilisation.${place}`, text: withInterval(u, intervals?.[mode]?.utilisation?.[place], share) });
      td.dataset.value = JSON.stringify(u);
      const wait = (doc[mode].wait_minutes_by_place || {})[place];
      body.append(el("tr", {}, el("th", { text: `${W[mode]} · ${name}` }), td,
        el("td", { class: "num", text: withInterval(wait, intervals?.[mode]?.wait_minutes_by_place?.[place], (x) => fmt(x, 2)) })));
    }
  }
  table.append(body);
  return el("div", { class: "scroll" }, table);
}

function chart(parent, id, traces, layout) {
  const div = el("div", { class: "chart", id });
  parent.append(div);
  Plotly.newPlot(div, traces, {
    margin: { l: 50, r: 40, t: 30, b: 50 }, height: 340,
    legend: { orientation: "h", yref: "container", y: 0, yanchor: "bottom", x: 0 },
    xaxis: { automargin: true }, yaxis: { automargin: true },
    font: PLOT_FONT, ...layout,
  }, PLOT_CONFIG);
}

function renderWhatif(section, result) {
  const doc = result.compare;
  section.replaceChildren();
  section.hidden = false;
  section.append(el("h2", { text: `${W.before} → ${W.after} (${(doc.after.levers || []).map((l) => W[`lever.${l}`] || l).join(" + ")})` }));
  const words = el("div", { class: "bottleneck" });
  for (const mode of ["before", "after"]) {
    words.append(el("p", {}, el("strong", { text: `${W.bottleneck} · ${W[mode]}: ` }), (result.bottleneck[mode] || {})[LANG] || ""));
  }
  section.append(words);
  section.append(compareTable(doc, result.intervals));
  const grid = el("div", { class: "charts" });
  section.append(grid);
  const four = ["steps", "materials", "trips", "time_working_days"];
  const bar = (mode) => ({
    type: "bar", name: W[mode], marker: { color: COLOURS[mode] }, x: four.map((k) => W[k]),
    y: four.map((k) => (typeof doc[mode][k] === "object" ? doc[mode][k].mean : doc[mode][k])),
  });
  chart(grid, "chart-four", [bar("before"), bar("after")], { title: { text: W.four_reductions }, barmode: "group", xaxis: { automargin: true } });
  chart(grid, "chart-ecdf", ["before", "after"].map((mode) => ({
    type: "scatter", mode: "lines", line: { shape: "hv", color: COLOURS[mode] }, name: W[mode],
    x: result.ecdf[mode].x, y: result.ecdf[mode].y,
  })), { title: { text: W.time_distribution }, xaxis: { automargin: true, title: { text: W.time_working_days } }, yaxis: { tickformat: ".0%", automargin: true } });
  const places = [];
  for (const mode of ["before", "after"]) {
    for (const [p, u] of Object.entries(doc[mode].utilisation || {})) {
      const ci = result.intervals?.[mode]?.utilisation?.[p] || [u, u];  // a run kept before intervals
      places.push({ mode, name: bilingual(result.places[mode][p] || p), u, up: Math.max((ci[1] ?? u) - u, 0), down: Math.max(u - (ci[0] ?? u), 0) });
    }
  }
  chart(grid, "chart-utilisation", ["before", "after"].map((mode) => {
    const mine = places.filter((p) => p.mode === mode);
    return {
      type: "bar", name: W[mode], marker: { color: COLOURS[mode] }, x: mine.map((p) => p.name), y: mine.map((p) => p.u),
      error_y: { type: "data", symmetric: false, array: mine.map((p) => p.up), arrayminus: mine.map((p) => p.down), color: "#1d2733" },
    };
  }), { title: { text: `${W.utilisation} (${W.ci})` }, yaxis: { tickformat: ".0%", automargin: true }, xaxis: { automargin: true } });
  const queue = [];
  for (const mode of ["before", "after"]) {
    for (const [p, s] of Object.entries(result.queue[mode])) {
      queue.push({ type: "scatter", mode: "lines", name: `${W[mode]} · ${bilingual(result.places[mode][p] || p)}`, x: s.days, y: s.mean, line: { width: 1 } });
    }
  }
  chart(grid, "chart-queue", queue, { title: { text: W.queue }, height: 400, xaxis: { automargin: true, title: { text: W.simulated_day } } });
  section.append(utilisationTable(doc, result.places, result.intervals));
}

function whatifPage() {
  const form = document.getElementById("whatif-form");
  const section = document.getElementById("results");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = { bundle: form.dataset.bundle, levers: [], windows: {} };
    for (const input of form.querySelectorAll("input")) {
      if (input.name === "lever") { if (input.checked) data.levers.push(input.value); }
      else if (input.name.startsWith("windows.")) { if (input.value !== "") data.windows[input.name.slice(8)] = input.value; }
      else if (input.value !== "") data[input.name] = input.value;
    }
    runJob("/api/whatif", data, form, { done: (result) => renderWhatif(section, result) });
  });
}

// --- walk ----------------------------------------------------------------------------

// One colour per kind of activity, queueing in red: "decide X" for every item is one kind.
const WALK_COLOURS = {
  queue: "#c0392b", travel: "#7f8c8d", "hand over materials": "#3b6ea8", "collect results": "#16a085",
  "file online": "#b5651d", decide: "#2f7d5b", "wait for the result on the spot": "#d4ac0d",
  "result arrives by mail": "#8e44ad", gather: "#e67e22",
};

function activityKind(activity) {
  if (activity.startsWith("decide ")) return "decide";
  if (activity.startsWith("sent back")) return "gather";
  return activity;
}

function walkPage() {
  const walks = JSON.parse(document.getElementById("walks").textContent);
  for (const mode of ["before", "after"]) {
    const steps = walks[mode].steps;
    const div = document.getElementById(`timeline-${mode}`);
    const narrow = div.clientWidth < 600;
    const kinds = [...new Set(steps.map((s) => activityKind(s.activity)))];
    // at phone width a long place name is cut, so that the bars keep the width
    const short = (s) => { const n = bilingual(s.place); return narrow && n.length > 16 ? `${n.slice(0, 15)}…` : n; };
    const places = [...new Set(steps.map(short))];
    const traces = kinds.map((kind) => {
      const mine = steps.filter((s) => activityKind(s.activity) === kind);
      return {
        type: "bar", orientation: "h", name: W[`activity.${kind}`] || kind,
        marker: { color: WALK_COLOURS[kind] || "#1d2733" },
        y: mine.map(short), base: mine.map((s) => s.start),
        x: mine.map((s) => Math.max(new Date(s.end.replace(" ", "T")) - new Date(s.start.replace(" ", "T")), 60000)),
        customdata: mine.map((s) => `${s.label[LANG]} (${s.duration[LANG]})<br>${s.shown[LANG]}`), textposition: "none",
        hovertemplate: "%{base|%m-%d %H:%M}<br>%{customdata}<extra></extra>",
      };
    });
    // the legend sits under the chart and pushes the margin down, never over the bars
    Plotly.newPlot(div, traces, {
      barmode: "overlay", height: 120 + places.length * 44 + Math.ceil(kinds.length / (narrow ? 2 : 4)) * 24,
      margin: { l: 10, r: 10, t: 10, b: 10 },
      xaxis: { type: "date", automargin: true, nticks: narrow ? 4 : 8, tickformat: "%m-%d" },
      yaxis: { automargin: true },
      legend: { orientation: "h", x: 0, y: -0.12, yanchor: "top" },  // wraps by each entry's width
      font: PLOT_FONT,
    }, PLOT_CONFIG);
  }
}

// --- studies -------------------------------------------------------------------------

// A lever's id in a study's findings (written in English by the study) by its name.
function leverNames(text) {
  return String(text).replace(/\b[a-z]+(?:_[a-z]+)+\b/g, (id) => W[`lever.${id}`] || id);
}

function renderStudy(result, runId) {
  const section = document.getElementById("study-result");
  section.hidden = false;
  const findings = document.getElementById("study-findings");
  const table = el("table", { class: "findings" });
  // a load sweep's "utilisation PLACE" column: offered work over capacity, as a percentage
  const load = result.header.map((h) => /^utilisation /.test(h));
  // the table in the page's language, when the study said it in Chinese too
  const said = LANG === "zh" && result.zh ? result.zh : result;
  table.append(el("thead", {}, el("tr", {}, ...said.header.map((h, i) => el("th", { text: load[i] && said === result ? W.utilisation : leverNames(h) })))));
  table.append(el("tbody", {}, ...said.rows.map((r) => el("tr", {}, ...r.map((c, i) => el("td", { text: load[i] && typeof c === "number" ? share(c) : leverNames(fmt(c)) }))))));
  findings.replaceChildren(el("h3", { text: leverNames(said.title) }), el("div", { class: "scroll" }, table),
    el("ul", { class: "notes" }, ...said.notes.map((n) => el("li", { text: leverNames(n) }))));
  const files = document.getElementById("study-files");
  // the report in the page's language (report.zh.html in 中文; a run from before there was
  // one has its English report only)
  const report = LANG === "zh" && (result.files || []).includes("report.zh.html") ? "report.zh.html" : "report.html";
  files.replaceChildren(...["results.csv", "results.parquet", "summary.csv", report].map((name) =>
    el("a", { class: "button", href: `/runs/${runId}/files/${name}?download=1`, text: `${W.download} ${name}` })));
  const frame = document.getElementById("study-report");
  frame.hidden = false;
  frame.src = `/runs/${runId}/files/${report}`;
}

function studiesPage() {
  const form = document.getElementById("study-form");
  const upload = form.querySelector("[name=upload]");
  const text = form.querySelector("[name=upload_text]");
  upload.addEventListener("change", async () => {
    const file = upload.files[0];
    if (!file) return;
    if (file.size > 256 * 1024) { showProblems(form, { spec: `${file.size} bytes; the limit is 262144` }); upload.value = ""; return; }
    text.value = await file.text();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = text.value.trim() ? { upload: text.value } : { spec: form.querySelector("[name=spec]").value };
    runJob("/api/study", data, form, { done: renderStudy });
  });
}

// --- scenario editor -----------------------------------------------------------------

function editorPage() {
  const form = document.getElementById("editor-form");
  const yaml = document.getElementById("yaml");
  const list = document.getElementById("problems");
  const saved = document.getElementById("saved");
  let timer = null;
  let seq = 0;
  const gather = () => {
    const fields = {};
    form.querySelectorAll("input[data-path]").forEach((i) => { if (i.name !== "name") fields[i.dataset.path] = i.value; });
    return { name: form.querySelector("[name=name]").value, yaml: yaml.value, fields };
  };
  const show = (problems) => {
    form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
    list.replaceChildren();
    for (const p of problems) {
      const slot = form.querySelector(`.field-error[data-for="${CSS.escape(p.path)}"]`);
      if (slot) {
        slot.textContent = p.line;
        form.querySelector(`[data-path="${CSS.escape(p.path)}"]`).setAttribute("aria-invalid", "true");
      } else {
        list.append(el("li", { text: p.line }));
      }
    }
    if (!problems.length) list.append(el("li", { class: "ok", text: LANG === "zh" ? "校验通过" : "valid: the bundle loads" }));
  };
  const validate = async () => {
    const mine = ++seq;
    const { ok, body } = await postJSON("/api/scenario/validate", gather());
    if (mine !== seq) return; // a newer check is on its way
    if (!ok) { show([{ path: "(file)", line: body.error }]); return; }
    if (body.yaml !== yaml.value && document.activeElement !== yaml) yaml.value = body.yaml;
    show(body.problems);
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(validate, 350); };
  form.addEventListener("input", soon);
  yaml.addEventListener("input", soon);
  document.getElementById("save").addEventListener("click", async () => {
    const { ok, body } = await postJSON("/api/scenario/save", gather());
    if (!ok) { saved.textContent = body.error; saved.className = "bad"; validate(); return; }
    yaml.value = body.yaml;
    saved.className = "ok";
    saved.replaceChildren(`${LANG === "zh" ? "已保存" : "saved"} ${body.saved} — `,
      el("a", { href: `/whatif/${body.name}`, text: W.whatif }), ` · onething compare ${body.name}`);
  });
  document.getElementById("download").addEventListener("click", () => {
    const blob = new Blob([yaml.value], { type: "application/x-yaml" });
    const a = el("a", { href: URL.createObjectURL(blob), download: `${gather().name || "scenario"}.yaml` });
    document.body.append(a); a.click(); a.remove();
  });
  validate();
}

// --- live ----------------------------------------------------------------------------

function liveDashboard(section) {
  section.hidden = false;
  section.replaceChildren();
  const cards = el("div", { class: "cards stats" });
  const keys = ["sent", "completed", "dead_lettered", "events", "throughput", "lag"];
  const cells = {};
  for (const k of keys) {
    cells[k] = el("strong", { class: "num", "data-stat": k, text: "–" });
    cards.append(el("div", { class: "card stat" }, el("span", { text: k === "events" ? (LANG === "zh" ? "事件 发/收" : "Events sent/received") : W[k] }), cells[k]));
  }
  const updates = el("span", { id: "updates", "data-count": "0", class: "muted" });
  section.append(cards, updates);
  const grid = el("div", { class: "charts" });
  section.append(grid);
  chart(grid, "chart-latency", ["p50", "p95", "p99"].map((p) => ({ type: "scatter", mode: "lines", name: p, x: [], y: [] })), { title: { text: W.latency }, xaxis: { automargin: true, title: { text: "s" } } });
  chart(grid, "chart-throughput", [{ type: "scatter", mode: "lines", name: W.throughput, x: [], y: [] }, { type: "scatter", mode: "lines", name: W.lag, x: [], y: [], yaxis: "y2" }],
    { title: { text: `${W.throughput} · ${W.lag}` }, yaxis: { automargin: true, rangemode: "tozero" },
      // the lag counts requests: whole-number ticks of its own, not ones synced to the left axis
      yaxis2: { overlaying: "y", side: "right", automargin: true, rangemode: "tozero", tickmode: "auto", nticks: 6, tickformat: ",d", showgrid: false },
      xaxis: { automargin: true, title: { text: "s" } } });
  const services = el("table", { class: "services" });
  section.append(el("h3", { text: W.services }), el("div", { class: "scroll" }, services));
  const end = el("div", { id: "live-end" });
  section.append(end);
  // Snapshots come four times a second; the page redraws once a second with all that
  // came meanwhile, so a slow machine never falls behind the run.
  let count = 0;
  let pending = [];
  const draw = () => {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    const s = batch[batch.length - 1];
    count += 1;
    updates.dataset.count = String(count);
    updates.textContent = `${s.t.toFixed(1)} s · ${s.arrived}/${s.total}`;
    cells.sent.textContent = fmt(s.arrived);
    cells.completed.textContent = fmt(s.completed);
    cells.dead_lettered.textContent = fmt(s.dead_lettered);
    cells.events.textContent = `${fmt(s.events_sent)} / ${fmt(s.events_received)}`;
    cells.throughput.textContent = fmt(s.throughput);
    cells.lag.textContent = fmt(s.lag);
    const t = batch.map((b) => b.t);
    Plotly.extendTraces("chart-latency", { x: [t, t, t], y: ["p50", "p95", "p99"].map((p) => batch.map((b) => b.latency[p])) }, [0, 1, 2]);
    Plotly.extendTraces("chart-throughput", { x: [t, t], y: [batch.map((b) => b.throughput), batch.map((b) => b.lag)] }, [0, 1]);
    services.replaceChildren(...s.services.map((x) => el("tr", { "data-service": x.name }, el("th", { text: x.name }), el("td", { class: `state ${x.state}`, text: x.state }))));
  };
  const timer = setInterval(draw, 1000);
  return {
    update(s) {
      if (s.phase === "running") pending.push(s);
    },
    flush: draw,
    finish(result) {
      clearInterval(timer);
      draw();
      const rows = result.reconciliation_rows.map(([k, v]) => el("tr", {}, el("th", { text: k }), el("td", { class: "num", text: v })));
      const problems = result.reconciliation.problems;
      end.replaceChildren(
        el("h3", { text: W.reconciliation }),
        el("div", { class: "scroll" }, el("table", { class: "reconciliation" }, el("tbody", {}, ...rows))),
        el("p", { id: "reconciliation-verdict", class: problems.length ? "bad" : "ok", text: problems.length ? problems.join("; ") : (LANG === "zh" ? "对账无误：每个案件恰好一次" : "clean: every case accounted for once") }),
        el("h3", { text: W.agreement }),
        ...(result.chaos.length ? [el("p", { id: "chaos-caveat", class: "bad", text: W.chaos_caveat })] : []),
        el("p", { id: "agreement", text: result.des.void ? `${LANG === "zh" ? "与 DES 的一致性无效" : "agreement with the DES void"}: ${result.des.void}` : (LANG === "zh" ? `实时 ${fmt(result.des.live_mean)} 对 DES ${fmt(result.des.des_mean)} 个工作日（相同到达）` : `live ${fmt(result.des.live_mean)} vs DES ${fmt(result.des.des_mean)} working days on the same arrivals`) + ` (${pct(result.des.des_mean, result.des.live_mean)})` }),
        ...result.chaos.map((b) => el("p", { text: LANG === "zh" ? `故障注入：${b.what}，第 ${b.arrived} 个案件到达时，${fmt(b.seconds)} 秒后恢复` : `chaos: ${b.what} @ ${b.arrived} arrived, back after ${fmt(b.seconds)} s` })),
      );
    },
  };
}

function livePage() {
  const form = document.getElementById("live-form");
  const section = document.getElementById("dashboard");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = {};
    for (const input of form.querySelectorAll("input, select")) if (input.value !== "") data[input.name] = input.value;
    const board = liveDashboard(section);
    runJob("/api/live", data, form, { progress: board.update, done: board.finish });
  });
}

// --- runs ----------------------------------------------------------------------------

function runPage() {
  const run = JSON.parse(document.getElementById("run-data").textContent);
  if (run.status !== "done") return;
  if (run.kind === "whatif") renderWhatif(document.getElementById("results"), run.result);
  if (run.kind === "study") renderStudy(run.result, run.id);
  if (run.kind === "live") {
    const board = liveDashboard(document.getElementById("live-results"));
    (run.result.timeline || []).forEach(board.update);
    board.finish(run.result);  // draws the whole timeline at once
  }
}

function abPage() {
  // the means of two runs of any kind (view_model.run_measures), each with its interval
  const { a, b } = JSON.parse(document.getElementById("ab-data").textContent);
  for (const r of [a, b]) { r.measures = Object.fromEntries(r.measures); r.inputs = Object.fromEntries(r.inputs); }
  const keys = [...new Set([...Object.keys(a.measures), ...Object.keys(b.measures)])];
  const name = (k) => {
    const [variant, measure] = k.split("|");
    return `${W[variant] || variant} · ${W[measure] || measure}`;
  };
  const shown = (m) => (m ? withInterval(m.mean, m.ci, m.share ? share : fmt) : "–");
  const change = (x, y) => (!x || !y ? "" : x.share ? points(x.mean, y.mean) : pct(x.mean, y.mean));
  const head = (r, label) => el("th", { text: `${label} #${r.id} ${W[`kind.${r.kind}`]}` });
  const table = el("table", { class: "ab" });
  table.append(el("thead", {}, el("tr", {}, el("th", { text: `${W.measure}: ${W.ci}` }), head(a, "A"), head(b, "B"), el("th", { text: W.change }))));
  table.append(el("tbody", {}, ...keys.map((k) => el("tr", {}, el("th", { text: name(k) }),
    el("td", { class: "num", text: shown(a.measures[k]) }), el("td", { class: "num", text: shown(b.measures[k]) }),
    el("td", { class: "num", text: change(a.measures[k], b.measures[k]) })))));
  const inputs = el("table", { class: "ab-inputs" });
  const ik = [...new Set([...Object.keys(a.inputs), ...Object.keys(b.inputs)])];
  inputs.append(el("thead", {}, el("tr", {}, el("th", { text: W.inputs }), head(a, "A"), head(b, "B"))));
  inputs.append(el("tbody", {}, ...ik.map((k) => el("tr", {}, el("th", { text: k }), el("td", { text: a.inputs[k] ?? "–" }), el("td", { text: b.inputs[k] ?? "–" })))));
  document.getElementById("ab").append(el("div", { class: "scroll" }, inputs), el("div", { class: "scroll" }, table));
}

// The bundle pickers go to the same page for the chosen bundle.
function pickers() {
  for (const form of document.querySelectorAll("form.picker[data-picker]")) {
    form.querySelector("select[name=bundle]").addEventListener("change", (e) => {
      location.href = form.dataset.picker + encodeURIComponent(e.target.value);
    });
  }
}

const PAGES = { whatif: whatifPage, walk: walkPage, studies: studiesPage, editor: editorPage, live: livePage, run: runPage, "runs-compare": abPage };
document.addEventListener("DOMContentLoaded", () => {
  pickers();
  const init = PAGES[document.body.dataset.page];
  if (init) init();
});
