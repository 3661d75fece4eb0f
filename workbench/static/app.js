// The workbench's few scripts: forms to the JSON API, progress over server-sent events,
// results drawn with plotly.js (served by the app itself, never a CDN).
"use strict";

const W = JSON.parse(document.getElementById("words").textContent);
const LANG = document.body.dataset.lang;
const COLOURS = { before: "#9aa5b1", after: "#2f7d5b" };
const PLOT_CONFIG = { responsive: true, displaylogo: false };
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

async function postJSON(url, data) {
  const response = await post(url, {
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
    if (slot) slot.textContent = `${field}: ${reason}`;
    else setStatus(`${field}: ${reason}`, true);
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
    else end(`${LANG === "zh" ? "完成，但未记入运行列表" : "done, not in the run list"}: ${event.message}`, true);
    handlers.done(event.result, event.run_id);
  });
  source.addEventListener("error", (e) => {
    if (!e.data) return; // a dropped connection: EventSource reconnects by itself
    end(JSON.parse(e.data).message, true);
  });
  source.addEventListener("cancelled", () => end(LANG === "zh" ? "已取消" : "cancelled", true));
}

// --- what-if -------------------------------------------------------------------------

const ROWS = [
  ["steps", null], ["materials", null], ["trips", null], ["form_fields", null],
  ["time_working_days", "mean"], ["time_working_days", "p50"], ["time_working_days", "p90"],
  ["time_calendar_hours", "mean"], ["wait_minutes", "mean"], ["trips_observed", "mean"],
  ["within_promise", null], ["promise_working_days", null], ["cases", null], ["unfinished", null],
];

function valueOf(m, key, part) {
  const v = m[key];
  return part ? (v ? v[part] : null) : v;
}

function label(key, part) {
  const base = W[key] || key.replaceAll("_", " ");
  return part && part !== "mean" ? `${base} ${part}` : base;
}

function compareTable(doc) {
  const table = el("table", { class: "compare" });
  table.append(el("thead", {}, el("tr", {},
    el("th", { text: W.measure }), el("th", { text: W.before }),
    el("th", { text: W.after }), el("th", { text: W.change }))));
  const body = el("tbody");
  for (const [key, part] of ROWS) {
    const b = valueOf(doc.before, key, part), a = valueOf(doc.after, key, part);
    if (b === undefined && a === undefined) continue;
    const id = part ? `${key}.${part}` : key;
    const cell = (mode, v) => {
      const td = el("td", { class: "num", "data-key": `${mode}.${id}`, text: key === "within_promise" && typeof v === "number" ? `${(v * 100).toFixed(1)} %` : fmt(v) });
      td.dataset.value = JSON.stringify(v);
      return td;
    };
    body.append(el("tr", {}, el("th", { text: label(key, part) }), cell("before", b), cell("after", a),
      el("td", { class: "num", text: pct(b, a) })));
  }
  table.append(body);
  return el("div", { class: "scroll" }, table);
}

function utilisationTable(doc, places) {
  const table = el("table", { class: "utilisation" });
  table.append(el("thead", {}, el("tr", {}, el("th", { text: W.utilisation }), el("th", { text: "%" }), el("th", { text: W.wait_minutes }))));
  const body = el("tbody");
  for (const mode of ["before", "after"]) {
    for (const [place, u] of Object.entries(doc[mode].utilisation || {})) {
      const name = bilingual((places[mode] || {})[place] || place);
      const td = el("td", { class: "num", "data-key": `${mode}.utilisation.${place}`, text: `${(u * 100).toFixed(1)} %` });
      td.dataset.value = JSON.stringify(u);
      body.append(el("tr", {}, el("th", { text: `${W[mode]} · ${name}` }), td,
        el("td", { class: "num", text: fmt((doc[mode].wait_minutes_by_place || {})[place]) })));
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
    font: { family: "system-ui, 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif" }, ...layout,
  }, PLOT_CONFIG);
}

function renderWhatif(section, result) {
  const doc = result.compare;
  section.replaceChildren();
  section.hidden = false;
  section.append(el("h2", { text: `${doc.scenario}: ${W.before} → ${W.after} (${(doc.after.levers || []).join(" + ")})` }));
  const words = el("div", { class: "bottleneck" });
  for (const mode of ["before", "after"]) {
    words.append(el("p", {}, el("strong", { text: `${W.bottleneck} · ${W[mode]}: ` }), (result.bottleneck[mode] || {})[LANG] || ""));
  }
  section.append(words);
  section.append(compareTable(doc));
  const grid = el("div", { class: "charts" });
  section.append(grid);
  const four = ["steps", "materials", "trips", "time_working_days"];
  const bar = (mode) => ({
    type: "bar", name: W[mode], marker: { color: COLOURS[mode] }, x: four.map((k) => W[k]),
    y: four.map((k) => (typeof doc[mode][k] === "object" ? doc[mode][k].mean : doc[mode][k])),
  });
  chart(grid, "chart-four", [bar("before"), bar("after")], { title: { text: LANG === "zh" ? "四减" : "The four reductions" }, barmode: "group", xaxis: { automargin: true } });
  chart(grid, "chart-ecdf", ["before", "after"].map((mode) => ({
    type: "scatter", mode: "lines", line: { shape: "hv", color: COLOURS[mode] }, name: W[mode],
    x: result.ecdf[mode].x, y: result.ecdf[mode].y,
  })), { title: { text: W.time_distribution }, xaxis: { automargin: true, title: { text: W.time_working_days } }, yaxis: { tickformat: ".0%", automargin: true } });
  const places = [];
  for (const mode of ["before", "after"]) {
    for (const [p, u] of Object.entries(doc[mode].utilisation || {})) places.push({ mode, name: bilingual(result.places[mode][p] || p), u });
  }
  chart(grid, "chart-utilisation", ["before", "after"].map((mode) => ({
    type: "bar", name: W[mode], marker: { color: COLOURS[mode] },
    x: places.filter((p) => p.mode === mode).map((p) => p.name), y: places.filter((p) => p.mode === mode).map((p) => p.u),
  })), { title: { text: W.utilisation }, yaxis: { tickformat: ".0%", automargin: true }, xaxis: { automargin: true } });
  const queue = [];
  for (const mode of ["before", "after"]) {
    for (const [p, s] of Object.entries(result.queue[mode])) {
      queue.push({ type: "scatter", mode: "lines", name: `${W[mode]} · ${bilingual(result.places[mode][p] || p)}`, x: s.days, y: s.mean, line: { width: 1 } });
    }
  }
  chart(grid, "chart-queue", queue, { title: { text: W.queue }, height: 400, xaxis: { automargin: true, title: { text: LANG === "zh" ? "模拟日" : "simulated day" } } });
  section.append(utilisationTable(doc, result.places));
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

function walkPage() {
  const walks = JSON.parse(document.getElementById("walks").textContent);
  for (const mode of ["before", "after"]) {
    const steps = walks[mode].steps;
    const div = document.getElementById(`timeline-${mode}`);
    const kinds = [...new Set(steps.map((s) => s.activity))];
    const traces = kinds.map((kind) => {
      const mine = steps.filter((s) => s.activity === kind);
      return {
        type: "bar", orientation: "h", name: kind,
        y: mine.map((s) => bilingual(s.place)), base: mine.map((s) => s.start),
        x: mine.map((s) => Math.max(new Date(s.end.replace(" ", "T")) - new Date(s.start.replace(" ", "T")), 60000)),
        customdata: mine.map((s) => s.detail), textposition: "none",
        hovertemplate: "%{base}<br>%{customdata}<extra>" + kind + "</extra>",
      };
    });
    Plotly.newPlot(div, traces, {
      barmode: "overlay", height: 460, margin: { l: 10, r: 10, t: 10, b: 150 },
      xaxis: { type: "date", automargin: true }, yaxis: { automargin: true },
      legend: { orientation: "h", yref: "container", y: 0, yanchor: "bottom", x: 0 },
      font: { family: "system-ui, 'WenQuanYi Micro Hei', sans-serif" },
    }, PLOT_CONFIG);
  }
}

// --- studies -------------------------------------------------------------------------

function renderStudy(result, runId) {
  const section = document.getElementById("study-result");
  section.hidden = false;
  const findings = document.getElementById("study-findings");
  const table = el("table", { class: "findings" });
  table.append(el("thead", {}, el("tr", {}, ...result.header.map((h) => el("th", { text: h })))));
  table.append(el("tbody", {}, ...result.rows.map((r) => el("tr", {}, ...r.map((c) => el("td", { text: fmt(c) }))))));
  findings.replaceChildren(el("h3", { text: result.title }), el("div", { class: "scroll" }, table),
    el("ul", { class: "notes" }, ...result.notes.map((n) => el("li", { text: n }))));
  const files = document.getElementById("study-files");
  files.replaceChildren(...["results.csv", "results.parquet", "summary.csv", "report.html"].map((name) =>
    el("a", { class: "button", href: `/runs/${runId}/files/${name}?download=1`, text: `${W.download} ${name}` })));
  const frame = document.getElementById("study-report");
  frame.hidden = false;
  frame.src = `/runs/${runId}/files/report.html`;
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
    { title: { text: `${W.throughput} · ${W.lag}` }, yaxis2: { overlaying: "y", side: "right", automargin: true }, xaxis: { automargin: true, title: { text: "s" } } });
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
        el("p", { id: "agreement", text: result.des.void ? `${LANG === "zh" ? "与 DES 的一致性无效" : "agreement with the DES void"}: ${result.des.void}` : `live ${fmt(result.des.live_mean)} vs DES ${fmt(result.des.des_mean)} ${LANG === "zh" ? "个工作日（相同到达）" : "working days on the same arrivals"} (${pct(result.des.des_mean, result.des.live_mean)})` }),
        ...result.chaos.map((b) => el("p", { text: `chaos: ${b.what} @ ${b.arrived} arrived, back after ${fmt(b.seconds)} s` })),
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

function flatten(run) {
  // measure -> value, for any kind of run
  const out = {};
  const r = run.result || {};
  if (run.status !== "done") return out;
  const add = (prefix, m) => {
    for (const [k, v] of Object.entries(m || {})) {
      if (typeof v === "number") out[`${prefix}${k}`] = v;
      else if (v && typeof v === "object" && typeof v.mean === "number") out[`${prefix}${k}`] = v.mean;
    }
  };
  if (run.kind === "whatif") { add("before · ", r.compare.before); add("after · ", r.compare.after); }
  if (run.kind === "live") { add("", r.measures); add("infra · ", r.infra); }
  if (run.kind === "study") (r.rows || []).forEach((row) => row.slice(1).forEach((c, i) => { if (typeof c === "number") out[`${row[0]} · ${r.header[i + 1]}`] = c; }));
  return out;
}

function abPage() {
  const { a, b } = JSON.parse(document.getElementById("ab-data").textContent);
  const fa = flatten(a), fb = flatten(b);
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])];
  const table = el("table", { class: "ab" });
  table.append(el("thead", {}, el("tr", {}, el("th", { text: W.measure }), el("th", { text: `A #${a.id} ${a.kind} ${a.bundle}` }), el("th", { text: `B #${b.id} ${b.kind} ${b.bundle}` }), el("th", { text: W.change }))));
  table.append(el("tbody", {}, ...keys.map((k) => el("tr", {}, el("th", { text: k }), el("td", { class: "num", text: fmt(fa[k]) }), el("td", { class: "num", text: fmt(fb[k]) }), el("td", { class: "num", text: pct(fa[k], fb[k]) })))));
  const inputs = el("table", { class: "ab-inputs" });
  const ik = [...new Set([...Object.keys(a.inputs), ...Object.keys(b.inputs)])];
  inputs.append(el("tbody", {}, ...ik.map((k) => el("tr", {}, el("th", { text: k }), el("td", { text: JSON.stringify(a.inputs[k]) }), el("td", { text: JSON.stringify(b.inputs[k]) })))));
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
