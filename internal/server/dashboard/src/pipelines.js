// Workflows (a DAG graph of their steps), schedules (next runs, run-now, backfill) and the submit form.
import { h } from "preact";
import { useState } from "preact/hooks";
import htm from "htm";
import { post } from "./api.js";
import { Fields, Phase, Problem, age, apiBase, go, useWatch, when } from "./common.js";

const html = htm.bind(h);

// ---- workflows

// dependenciesOf names the steps a step waits for: its dependencies list and the step names in its
// depends expression (such as "extract && (clean.Succeeded || clean.Skipped)").
export function dependenciesOf(step, names) {
  const deps = new Set(step.dependencies || []);
  for (const word of (step.depends || "").match(/[A-Za-z0-9][A-Za-z0-9-]*/g) || []) {
    if (names.has(word)) deps.add(word);
  }
  return [...deps];
}

// layout places each step in the column of its longest path from a start step, in spec order within it.
export function layout(steps) {
  const names = new Set(steps.map((s) => s.name));
  const deps = new Map(steps.map((s) => [s.name, dependenciesOf(s, names)]));
  const depth = new Map();
  const visit = (name, seen = new Set()) => {
    if (depth.has(name)) return depth.get(name);
    if (seen.has(name)) return 0; // a cycle is refused at admission; never loop here
    seen.add(name);
    const d = Math.max(-1, ...deps.get(name).map((p) => visit(p, seen))) + 1;
    depth.set(name, d);
    return d;
  };
  steps.forEach((s) => visit(s.name));
  const columns = [];
  for (const s of steps) (columns[depth.get(s.name)] ||= []).push(s.name);
  const pos = new Map();
  columns.forEach((col, x) => col.forEach((name, y) => pos.set(name, { x, y })));
  return { pos, deps, columns: columns.length, rows: Math.max(1, ...columns.map((c) => c.length)) };
}

// stepState sums up a spec step from its status entries (one, or one per fan-out item).
function stepState(name, statuses) {
  const mine = statuses.filter((s) => s.name === name || s.step === name);
  if (mine.length === 0) return { phase: "Pending", items: 0 };
  if (mine.length === 1 && mine[0].name === name) return { phase: mine[0].phase, items: 0, status: mine[0] };
  const count = (p) => mine.filter((s) => s.phase === p).length;
  const phase = count("Failed") || count("Error") ? "Failed" : count("Running") ? "Running"
    : count("Succeeded") === mine.length ? "Succeeded" : "Pending";
  return { phase, items: mine.length, done: count("Succeeded") };
}

const nodeW = 170, nodeH = 46, gapX = 70, gapY = 22;

function Graph({ workflow }) {
  const steps = workflow.spec.steps || [];
  const statuses = (workflow.status && workflow.status.steps) || [];
  const { pos, deps, columns, rows } = layout(steps);
  const at = (name) => ({ x: 10 + pos.get(name).x * (nodeW + gapX), y: 10 + pos.get(name).y * (nodeH + gapY) });
  const width = 20 + columns * (nodeW + gapX) - gapX, height = 20 + rows * (nodeH + gapY) - gapY;
  return html`<svg class="dag" id="graph" width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`}>
    ${steps.flatMap((s) => deps.get(s.name).map((d) => {
      const a = at(d), b = at(s.name);
      return html`<path class="edge" data-edge=${`${d}->${s.name}`}
        d=${`M${a.x + nodeW},${a.y + nodeH / 2} C${a.x + nodeW + gapX / 2},${a.y + nodeH / 2} ${b.x - gapX / 2},${b.y + nodeH / 2} ${b.x},${b.y + nodeH / 2}`} />`;
    }))}
    ${steps.map((s) => {
      const { x, y } = at(s.name);
      const st = stepState(s.name, statuses);
      return html`<g class=${"node phase-" + st.phase.toLowerCase()} data-step=${s.name} data-phase=${st.phase} transform=${`translate(${x},${y})`}>
        <rect width=${nodeW} height=${nodeH} rx="6" />
        <text x="10" y="19" class="name">${s.name}</text>
        <text x="10" y="36" class="sub">${st.phase}${st.items ? ` · ${st.done}/${st.items} items` : ""}</text>
      </g>`;
    })}
  </svg>`;
}

export function WorkflowList({ ns }) {
  const { items, synced, error } = useWatch(`${apiBase(ns)}/workflows`);
  const rows = [...items.values()].sort((a, b) => b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp));
  return html`<main>
    <div class="toolbar"><h1>Workflows <span class="muted">in ${ns}</span></h1>
      <span class=${synced ? "live on" : "live"}>${synced ? "live" : "connecting"}</span></div>
    <${Problem} error=${error} />
    ${!error && html`<table id="workflows"><thead><tr><th>Name</th><th>Phase</th><th>Steps done</th><th>Running</th><th>Failed</th><th>Age</th></tr></thead>
      <tbody>${rows.map((w) => {
        const p = (w.status && w.status.progress) || {};
        return html`<tr data-workflow=${w.metadata.name}>
          <td><a href=${`#/ns/${encodeURIComponent(ns)}/workflows/${encodeURIComponent(w.metadata.name)}`}>${w.metadata.name}</a></td>
          <td><${Phase} phase=${w.status && w.status.phase} /></td><td>${p.succeeded || 0}/${p.total || (w.spec.steps || []).length}</td>
          <td>${p.running || 0}</td><td>${p.failed || 0}</td><td>${age(w.metadata.creationTimestamp)}</td></tr>`;
      })}</tbody></table>`}
  </main>`;
}

export function WorkflowDetail({ ns, name }) {
  const { items, synced, error } = useWatch(`${apiBase(ns)}/workflows?q=${encodeURIComponent(name)}`);
  const [actionError, setActionError] = useState(null);
  const wf = items.get(name);
  if (error) return html`<main><${Problem} error=${error} /></main>`;
  if (!wf) return html`<main><p class="muted">${synced ? `No workflow ${name} in ${ns}.` : "Loading…"}</p></main>`;
  const status = wf.status || {};
  const act = (verb) => post(`${apiBase(ns)}/workflows/${encodeURIComponent(name)}/${verb}`).then(() => setActionError(null), setActionError);
  return html`<main class="detail" data-workflow=${name}>
    <div class="toolbar">
      <h1><a href=${`#/ns/${encodeURIComponent(ns)}/workflows`}>Workflows</a> / ${name}</h1>
      <${Phase} phase=${status.phase} />
      <span class="actions">${wf.spec.suspend ? html`<button onClick=${() => act("resume")}>Resume</button>`
        : html`<button onClick=${() => act("suspend")}>Suspend</button>`}</span>
    </div>
    <${Problem} error=${actionError} />
    <section class="graph"><${Graph} workflow=${wf} /></section>
    <section>
      <h2>Steps</h2>
      <table id="steps"><thead><tr><th>Step</th><th>Phase</th><th>Application</th><th>Attempt</th><th>Exit code</th><th>Started</th><th>Ended</th><th>Message</th></tr></thead>
        <tbody>${(status.steps || []).map((s) => html`<tr data-step=${s.name}>
          <td>${s.name}</td><td><${Phase} phase=${s.phase} /></td>
          <td>${s.application ? html`<a href=${`#/ns/${encodeURIComponent(ns)}/apps/${encodeURIComponent(s.application)}`}>${s.application}</a>` : "–"}</td>
          <td>${s.attempt || "–"}</td><td>${s.exitCode ?? "–"}</td><td>${when(s.startTime)}</td><td>${when(s.endTime)}</td><td>${s.message || ""}</td></tr>`)}
        </tbody></table>
    </section>
  </main>`;
}

// ---- schedules

export function ScheduleList({ ns }) {
  const { items, synced, error } = useWatch(`${apiBase(ns)}/schedules`);
  const rows = [...items.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return html`<main>
    <div class="toolbar"><h1>Schedules <span class="muted">in ${ns}</span></h1>
      <span class=${synced ? "live on" : "live"}>${synced ? "live" : "connecting"}</span></div>
    <${Problem} error=${error} />
    ${!error && html`<table id="schedules"><thead><tr><th>Name</th><th>Schedule</th><th>Time zone</th><th>State</th><th>Last run</th><th>Next run</th><th>Active</th></tr></thead>
      <tbody>${rows.map((s) => html`<tr data-schedule=${s.metadata.name}>
        <td><a href=${`#/ns/${encodeURIComponent(ns)}/schedules/${encodeURIComponent(s.metadata.name)}`}>${s.metadata.name}</a></td>
        <td><code>${[s.spec.schedule, ...(s.spec.additionalSchedules || [])].join(", ")}</code></td><td>${s.spec.timeZone || "UTC"}</td>
        <td>${s.spec.suspend ? "Suspended" : (s.status && s.status.phase) || "Scheduling"}</td>
        <td>${when(s.status && s.status.lastScheduleTime)}</td><td data-next>${when(s.status && s.status.nextScheduleTime)}</td>
        <td>${((s.status && s.status.active) || []).length}</td></tr>`)}
      </tbody></table>`}
  </main>`;
}

export function ScheduleDetail({ ns, name }) {
  const { items, synced, error } = useWatch(`${apiBase(ns)}/schedules?q=${encodeURIComponent(name)}`);
  const [result, setResult] = useState(null);
  const [actionError, setActionError] = useState(null);
  const [range, setRange] = useState({ from: "", to: "", parallelism: 1 });
  const sched = items.get(name);
  if (error) return html`<main><${Problem} error=${error} /></main>`;
  if (!sched) return html`<main><p class="muted">${synced ? `No schedule ${name} in ${ns}.` : "Loading…"}</p></main>`;
  const status = sched.status || {};
  const path = `${apiBase(ns)}/schedules/${encodeURIComponent(name)}`;
  const done = (r) => { setResult(r.message); setActionError(null); };
  const fail = (e) => { setResult(null); setActionError(e); };
  const backfill = (e) => {
    e.preventDefault();
    post(`${path}/backfill`, { from: range.from, to: range.to, parallelism: Number(range.parallelism) || 1 }).then(done, fail);
  };
  const field = (k) => (e) => setRange({ ...range, [k]: e.target.value });
  return html`<main class="detail" data-schedule=${name}>
    <div class="toolbar">
      <h1><a href=${`#/ns/${encodeURIComponent(ns)}/schedules`}>Schedules</a> / ${name}</h1>
      <span class="actions">
        <button id="run-now" disabled=${sched.spec.suspend} onClick=${() => post(`${path}/run-now`).then(done, fail)}>Run now</button>
        ${sched.spec.suspend ? html`<button onClick=${() => post(`${path}/resume`).then(done, fail)}>Resume</button>`
          : html`<button onClick=${() => post(`${path}/suspend`).then(done, fail)}>Suspend</button>`}
      </span>
    </div>
    <${Problem} error=${actionError} />
    ${result && html`<p class="notice" id="result">${result}</p>`}
    <div class="columns">
      <section><h2>Schedule</h2><${Fields} rows=${[
        ["Cron", [sched.spec.schedule, ...(sched.spec.additionalSchedules || [])].join(", ")], ["Time zone", sched.spec.timeZone || "UTC"],
        ["Concurrency", sched.spec.concurrencyPolicy || "Allow"], ["Runs", sched.spec.template.workflow ? "a workflow" : "an application"],
        ["Suspended", sched.spec.suspend ? "yes" : "no"]]} /></section>
      <section><h2>Status</h2><${Fields} rows=${[
        ["Last run", when(status.lastScheduleTime)], ["Next run", when(status.nextScheduleTime)],
        ["Active", (status.active || []).join(", ") || "none"], ["Failures in a row", String(status.consecutiveFailures || 0)],
        ["Backfill", status.backfill && `${status.backfill.started} started${status.backfill.complete ? ", complete" : ""}`]]} /></section>
    </div>
    <section>
      <h2>Backfill</h2>
      <form class="inline" id="backfill" onSubmit=${backfill}>
        <label>From <input id="from" placeholder="2026-11-01" value=${range.from} onInput=${field("from")} /></label>
        <label>To <input id="to" placeholder="2026-11-30" value=${range.to} onInput=${field("to")} /></label>
        <label>At once <input id="parallelism" type="number" min="1" max="100" value=${range.parallelism} onInput=${field("parallelism")} /></label>
        <button type="submit">Backfill</button>
      </form>
    </section>
    <section>
      <h2>Recent runs</h2>
      <table id="runs"><thead><tr><th>Run</th><th>Logical time</th><th>Trigger</th><th>Outcome</th><th>Finished</th><th>Message</th></tr></thead>
        <tbody>${(status.recentRuns || []).map((r) => html`<tr><td>${r.name}</td><td>${when(r.scheduledTime)}</td><td>${r.trigger}</td>
          <td>${r.outcome}</td><td>${when(r.finishTime)}</td><td>${r.message || ""}</td></tr>`)}</tbody></table>
    </section>
  </main>`;
}

// ---- the submit form: a new application from a template (an existing application), or from scratch

// fromTemplate is the manifest of a new application: the template's spec with the form's fields in place
// of its own (a field left empty is removed), not suspended, with the template's labels but Stoke's own.
function fromTemplate(source, f, args, conf) {
  const spec = JSON.parse(JSON.stringify(source.spec));
  delete spec.suspend;
  delete spec.runToken;
  Object.assign(spec, {
    mainApplicationFile: f.file || undefined, mainClass: f.className || undefined, arguments: args,
    image: f.image || undefined, sparkVersion: f.sparkVersion || undefined, sparkConf: conf,
  });
  spec.driver = { ...(spec.driver || {}), memory: f.driverMemory || undefined };
  spec.executor = { ...(spec.executor || {}), memory: f.executorMemory || undefined,
    instances: f.numExecutors ? Number(f.numExecutors) : undefined };
  const labels = Object.fromEntries(Object.entries(source.metadata.labels || {}).filter(([k]) => !k.startsWith("stoke.dev/")));
  const metadata = f.name ? { name: f.name, labels } : { generateName: `${source.metadata.name}-`, labels };
  return { apiVersion: "stoke.dev/v1alpha1", kind: "SparkApplication", metadata, spec };
}

export function SubmitForm({ ns, template }) {
  const { items } = useWatch(`${apiBase(ns)}/applications?q=${encodeURIComponent(template || "")}`);
  const source = template && items.get(template);
  const [form, setForm] = useState(null);
  const [error, setError] = useState(null);
  // The form starts from the template once it is read, and from blanks without one.
  const initial = (a) => ({
    name: "", image: (a && a.spec.image) || "", sparkVersion: (a && a.spec.sparkVersion) || "",
    file: (a && a.spec.mainApplicationFile) || "", className: (a && a.spec.mainClass) || "",
    args: ((a && a.spec.arguments) || []).join(" "), driverMemory: (a && a.spec.driver && a.spec.driver.memory) || "",
    executorMemory: (a && a.spec.executor && a.spec.executor.memory) || "",
    numExecutors: (a && a.spec.executor && a.spec.executor.instances) || "",
    conf: Object.entries((a && a.spec.sparkConf) || {}).map(([k, v]) => `${k}=${v}`).join("\n"),
  });
  const f = form || ((!template || source) && initial(source));
  if (!f) return html`<main><p class="muted">Reading ${template}…</p></main>`;
  const set = (k) => (e) => setForm({ ...f, [k]: e.target.value });
  const submit = (e) => {
    e.preventDefault();
    const args = f.args.trim() ? f.args.trim().split(/\s+/) : undefined;
    const conf = {};
    for (const line of f.conf.split("\n").map((l) => l.trim()).filter(Boolean)) {
      const i = line.indexOf("=");
      if (i > 0) conf[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    const hasConf = Object.keys(conf).length > 0;
    const opened = (app) => go(`#/ns/${encodeURIComponent(ns)}/apps/${encodeURIComponent(app.metadata.name)}`);
    if (source) {
      // From a template: its whole spec (service accounts, requests, volumes, ...), with the form's fields.
      post(`${apiBase(ns)}/applications`, fromTemplate(source, f, args, hasConf ? conf : undefined)).then(opened, setError);
      return;
    }
    const body = { file: f.file, name: f.name || undefined, className: f.className || undefined, args,
      image: f.image || undefined, sparkVersion: f.sparkVersion || undefined, driverMemory: f.driverMemory || undefined,
      executorMemory: f.executorMemory || undefined, numExecutors: f.numExecutors ? Number(f.numExecutors) : undefined,
      conf: hasConf ? conf : undefined };
    post(`${apiBase(ns)}/submissions`, body).then(opened, setError);
  };
  const input = (k, label, placeholder = "") => html`<label>${label}<input id=${"f-" + k} value=${f[k]} placeholder=${placeholder} onInput=${set(k)} /></label>`;
  return html`<main>
    <div class="toolbar"><h1>New application <span class="muted">in ${ns}${template ? ` from ${template}` : ""}</span></h1></div>
    <${Problem} error=${error} />
    <form class="submit" id="submit-form" onSubmit=${submit}>
      ${input("name", "Name", "generated when empty")}
      ${input("file", "Application file", "local:///opt/spark/examples/jars/spark-examples.jar")}
      ${input("className", "Main class", "org.apache.spark.examples.SparkPi")}
      ${input("args", "Arguments", "separated by spaces")}
      ${input("image", "Image", "the server's default when empty")}
      ${input("sparkVersion", "Spark version", "read from the image tag when empty")}
      ${input("driverMemory", "Driver memory", "1g")}
      ${input("executorMemory", "Executor memory", "1g")}
      ${input("numExecutors", "Executors", "2")}
      <label>Spark properties<textarea id="f-conf" rows="4" value=${f.conf} onInput=${set("conf")} placeholder="spark.key=value, one per line"></textarea></label>
      <button type="submit" id="submit">Submit</button>
    </form>
  </main>`;
}
