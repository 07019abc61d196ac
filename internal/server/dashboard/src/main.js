// Stoke's dashboard: applications with live status, an application's page with its attempts, events and
// live driver log. It speaks only the server's REST API, as the signed-in user (see api.js).
import { h, render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import htm from "htm";
import { get, post, session, stream } from "./api.js";
import { Fields, Phase, Problem, age, apiBase, go, useWatch, when } from "./common.js";
import { ScheduleDetail, ScheduleList, SubmitForm, WorkflowDetail, WorkflowList } from "./pipelines.js";
import "./style.css";

const html = htm.bind(h);
// ---- routing: #/signin, #/ns/NS/{apps,workflows,schedules}[/NAME], #/ns/NS/submit[?template=APP]

const kinds = { apps: "app", workflows: "workflow", schedules: "schedule" };

function parseRoute(hash) {
  const [pathPart, query] = hash.replace(/^#\/?/, "").split("?");
  const parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "signin") return { page: "signin" };
  if (parts[0] === "ns" && parts[1] && parts[2] === "submit") {
    return { page: "submit", ns: parts[1], template: new URLSearchParams(query || "").get("template") || "" };
  }
  if (parts[0] === "ns" && parts[1] && kinds[parts[2]]) {
    return parts[3] ? { page: kinds[parts[2]], ns: parts[1], name: parts[3] } : { page: parts[2], ns: parts[1] };
  }
  return { page: "apps", ns: localStorage.getItem("stoke.namespace") || "default" };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

// ---- sign-in

function SignIn() {
  const [token, setToken] = useState("");
  const submit = (e) => {
    e.preventDefault();
    session.signIn(token);
    go("#/");
  };
  return html`<main class="signin">
    <h1>Sign in to Stoke</h1>
    <p>Paste a Kubernetes bearer token (for example <code>kubectl create token NAME</code>). It stays in this
      browser tab and is sent only to this server, which acts with your own rights.</p>
    <form onSubmit=${submit}>
      <textarea id="token" rows="5" value=${token} onInput=${(e) => setToken(e.target.value)}
        placeholder="eyJhbGciOi..." autocomplete="off" spellcheck="false"></textarea>
      <button type="submit" id="signin" disabled=${!token.trim()}>Sign in</button>
    </form>
  </main>`;
}

function Header({ ns, page, who }) {
  const [value, setValue] = useState(ns || "");
  useEffect(() => setValue(ns || ""), [ns]);
  const change = (e) => {
    e.preventDefault();
    localStorage.setItem("stoke.namespace", value);
    go(`#/ns/${encodeURIComponent(value)}/apps`);
  };
  const tab = (path, label, pages) => html`<a class=${pages.includes(page) ? "tab on" : "tab"} id=${"nav-" + path}
    href=${`#/ns/${encodeURIComponent(ns)}/${path}`}>${label}</a>`;
  return html`<header>
    <a class="brand" href="#/">Stoke</a>
    <nav>${tab("apps", "Applications", ["apps", "app"])}${tab("workflows", "Workflows", ["workflows", "workflow"])}
      ${tab("schedules", "Schedules", ["schedules", "schedule"])}${tab("submit", "Submit", ["submit"])}</nav>
    <form class="namespace" onSubmit=${change}>
      <label for="namespace">Namespace</label>
      <input id="namespace" value=${value} onInput=${(e) => setValue(e.target.value)} />
    </form>
    <span class="muted" id="who" title=${(who.groups || []).join(", ")}>${who.name}</span>
    <button class="link" id="signout" onClick=${() => { session.signOut(); go("#/signin"); }}>Sign out</button>
  </header>`;
}

// ---- live lists

const phases = ["", "Pending", "Queued", "Submitted", "Running", "Retrying", "Succeeded", "Failed", "Suspended"];

function AppList({ ns }) {
  const [q, setQ] = useState("");
  const [phase, setPhase] = useState("");
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (phase) params.set("phase", phase);
  const path = `${apiBase(ns)}/applications?${params}`;
  const { items, synced, error } = useWatch(path);
  const rows = useMemo(() => [...items.values()].sort((a, b) =>
    b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name)), [items]);
  return html`<main>
    <div class="toolbar">
      <h1>Applications <span class="muted">in ${ns}</span></h1>
      <input id="filter" placeholder="Filter by name, image, class" value=${q} onInput=${(e) => setQ(e.target.value)} />
      <select id="phase" value=${phase} onChange=${(e) => setPhase(e.target.value)}>
        ${phases.map((p) => html`<option value=${p}>${p || "Any phase"}</option>`)}
      </select>
      <span class=${synced ? "live on" : "live"} title="Live updates">${synced ? "live" : "connecting"}</span>
    </div>
    <${Problem} error=${error} />
    ${!error && html`<table class="apps" id="apps">
      <thead><tr><th>Name</th><th>Phase</th><th>Attempt</th><th>Executors</th><th>Type</th><th>Age</th></tr></thead>
      <tbody>
        ${rows.map((a) => html`<tr key=${a.metadata.name} data-app=${a.metadata.name}
            onClick=${() => go(`#/ns/${encodeURIComponent(ns)}/apps/${encodeURIComponent(a.metadata.name)}`)}>
          <td><a href=${`#/ns/${encodeURIComponent(ns)}/apps/${encodeURIComponent(a.metadata.name)}`}>${a.metadata.name}</a></td>
          <td><${Phase} phase=${a.status && a.status.phase} /></td>
          <td>${(a.status && a.status.currentAttempt && a.status.currentAttempt.number) || "–"}</td>
          <td>${a.status && a.status.executors ? `${a.status.executors.running || 0}/${a.status.executors.requested || 0}` : "–"}</td>
          <td>${a.spec.type}</td>
          <td>${age(a.metadata.creationTimestamp)}</td>
        </tr>`)}
      </tbody>
    </table>`}
    ${synced && !error && rows.length === 0 && html`<p class="muted" id="empty">No applications${q || phase ? " match" : ""}.</p>`}
  </main>`;
}

// ---- one application

// LogTail follows the driver's log. It starts again when the driver's state changes (a driver that starts
// running after the page opened; a run that has ended, whose whole tail is then read once), and while the run
// has not ended, a driver that cannot be read yet (its container still starting) is tried again every 2 s.
function LogTail({ ns, name, attempt, phase }) {
  const [text, setText] = useState("");
  const [error, setError] = useState(null);
  const pre = useRef(null);
  const ended = phase === "Succeeded" || phase === "Failed";
  const running = phase === "Running";
  useEffect(() => {
    const controller = new AbortController();
    let retry;
    const follow = () => {
      setText("");
      setError(null);
      stream(`${apiBase(ns)}/applications/${encodeURIComponent(name)}/logs?tail=200&follow=true`, controller.signal,
        (chunk) => setText((t) => (t + chunk).slice(-200000)))
        .catch((e) => {
          if (controller.signal.aborted) return;
          setError(e);
          if (!ended) retry = setTimeout(follow, 2000);
        });
    };
    follow();
    return () => { controller.abort(); clearTimeout(retry); };
  }, [ns, name, attempt, ended, running]);
  useEffect(() => { if (pre.current) pre.current.scrollTop = pre.current.scrollHeight; }, [text]);
  return html`<section>
    <h2>Driver log <span class="muted">(live, last 200 lines first)</span></h2>
    ${error ? html`<p class="muted" id="log-problem">${error.message}</p>` : html`<pre class="log" id="log" ref=${pre}>${text}</pre>`}
  </section>`;
}

function AppDetail({ ns, name }) {
  const { items, synced, error } = useWatch(`${apiBase(ns)}/applications?q=${encodeURIComponent(name)}`);
  const app = items.get(name);
  const [events, setEvents] = useState([]);
  const [actionError, setActionError] = useState(null);
  const version = app && app.metadata.resourceVersion;
  useEffect(() => {
    if (!app) return;
    get(`${apiBase(ns)}/applications/${encodeURIComponent(name)}/events`).then((r) => setEvents(r.items)).catch(() => setEvents([]));
  }, [ns, name, version]);
  if (error) return html`<main><${Problem} error=${error} /></main>`;
  if (!app) return html`<main><p class="muted">${synced ? `No application ${name} in ${ns}.` : "Loading…"}</p></main>`;
  const spec = app.spec;
  const status = app.status || {};
  const attempts = [...(status.pastAttempts || []), ...(status.currentAttempt ? [status.currentAttempt] : [])]
    .sort((a, b) => b.number - a.number);
  const act = (verb) => post(`${apiBase(ns)}/applications/${encodeURIComponent(name)}/${verb}`)
    .then(() => setActionError(null), setActionError);
  const finished = status.phase === "Succeeded" || status.phase === "Failed";
  const usage = status.usage;
  return html`<main class="detail" data-app=${name}>
    <div class="toolbar">
      <h1><a href=${`#/ns/${encodeURIComponent(ns)}/apps`}>Applications</a> / ${name}</h1>
      <${Phase} phase=${status.phase} />
      <span class="actions">
        ${spec.suspend ? html`<button onClick=${() => act("resume")}>Resume</button>`
          : !finished && html`<button onClick=${() => act("suspend")}>Suspend</button>`}
        ${finished && html`<button id="rerun" onClick=${() => act("rerun")}>Rerun</button>`}
        <button id="new-from" onClick=${() => go(`#/ns/${encodeURIComponent(ns)}/submit?template=${encodeURIComponent(name)}`)}>New from this</button>
      </span>
    </div>
    <${Problem} error=${actionError} />
    <div class="columns">
      <section>
        <h2>Spec</h2>
        <${Fields} rows=${[
          ["Type", spec.type], ["Spark", spec.sparkVersion], ["Image", spec.image],
          ["Main class", spec.mainClass], ["File", spec.mainApplicationFile],
          ["Arguments", (spec.arguments || []).join(" ")],
          ["Driver", [spec.driver && spec.driver.cores && `${spec.driver.cores} cores`, spec.driver && spec.driver.memory].filter(Boolean).join(", ")],
          ["Executors", [spec.executor && spec.executor.instances && `${spec.executor.instances} ×`, spec.executor && spec.executor.cores && `${spec.executor.cores} cores`, spec.executor && spec.executor.memory].filter(Boolean).join(" ")],
          ["Queue", spec.queue],
        ]} />
      </section>
      <section>
        <h2>Status</h2>
        <${Fields} rows=${[
          ["Phase", status.phase || "Pending"],
          ["Executors", status.executors && `${status.executors.running || 0} running of ${status.executors.requested || 0}`],
          ["Spark UI", html`<${SparkUI} ns=${ns} name=${name} status=${status} />`],
          ["Cost", usage && `${usage.driverCoreSeconds + usage.executorCoreSeconds} core-s, ${usage.driverMemoryGiBSeconds + usage.executorMemoryGiBSeconds} GiB-s`],
          ["Ended", status.terminationTime && when(status.terminationTime)],
        ]} />
      </section>
    </div>
    <section>
      <h2>Conditions</h2>
      <table id="conditions"><thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr></thead>
        <tbody>${(status.conditions || []).map((c) => html`<tr data-condition=${c.type}>
          <td>${c.type}</td><td>${c.status}</td><td>${c.reason}</td><td>${c.message}</td><td>${when(c.lastTransitionTime)}</td></tr>`)}
        </tbody></table>
    </section>
    <section>
      <h2>Attempts</h2>
      <table id="attempts"><thead><tr><th>#</th><th>Outcome</th><th>Exit code</th><th>Reason</th><th>Driver pod</th><th>Submitted</th><th>Ended</th></tr></thead>
        <tbody>${attempts.map((a) => html`<tr data-attempt=${a.number}>
          <td>${a.number}</td><td>${a.outcome || "running"}</td><td>${a.exitCode ?? "–"}</td><td>${a.reason || ""}</td>
          <td>${a.driverPodName || ""}</td><td>${when(a.submissionTime)}</td><td>${when(a.endTime)}</td></tr>`)}
        </tbody></table>
    </section>
    <${LogTail} ns=${ns} name=${name} attempt=${status.currentAttempt && status.currentAttempt.number} phase=${status.phase} />
    <section>
      <h2>Events</h2>
      <table id="events"><thead><tr><th>Type</th><th>Reason</th><th>Object</th><th>Message</th><th>Last seen</th></tr></thead>
        <tbody>${events.slice(-30).reverse().map((e) => html`<tr>
          <td>${e.type}</td><td>${e.reason}</td><td>${e.involvedObject.kind}/${e.involvedObject.name}</td><td>${e.message}</td>
          <td>${when(e.lastTimestamp || e.eventTime)}</td></tr>`)}
        </tbody></table>
    </section>
  </main>`;
}

// features are what this server offers beyond the common API (read once).
let featuresOnce;
function useFeatures() {
  const [features, setFeatures] = useState({});
  useEffect(() => {
    featuresOnce = featuresOnce || get("/api/v1/features").catch(() => ({}));
    featuresOnce.then(setFeatures);
  }, []);
  return features;
}

// SparkUI opens the Spark UI through the server in a new tab: the running driver's live UI, or a finished
// run's pages in the History Server. A form posts the token (a browser sends no header when it opens a tab)
// to ui-session, which answers with a cookie for this application's paths and a redirect to the UI. The tab
// gets no handle on this one (noopener), nor its session storage.
function SparkUI({ ns, name, status }) {
  const features = useFeatures();
  const cur = status.currentAttempt;
  const live = cur && cur.driverPodName && !cur.outcome;
  const ids = [...(status.pastAttempts || []), ...(cur ? [cur] : [])].filter((a) => a.sparkApplicationID);
  const history = !live && features.historyServer && ids.length > 0;
  if (live || history) {
    return html`<form id="spark-ui" method="post" target="_blank" rel="noopener noreferrer"
        action=${`${apiBase(ns)}/applications/${encodeURIComponent(name)}/ui-session`}>
      <input type="hidden" name="token" value=${session.token()} />
      <button type="submit">${live ? "Open the Spark UI" : "Open in the History Server"}</button>
    </form>`;
  }
  if (status.uiURL) return html`<a href=${status.uiURL}>${status.uiURL}</a>`;
  return status.uiAddress || "";
}

function Page({ route }) {
  switch (route.page) {
    case "app": return html`<${AppDetail} ns=${route.ns} name=${route.name} />`;
    case "workflows": return html`<${WorkflowList} ns=${route.ns} />`;
    case "workflow": return html`<${WorkflowDetail} ns=${route.ns} name=${route.name} />`;
    case "schedules": return html`<${ScheduleList} ns=${route.ns} />`;
    case "schedule": return html`<${ScheduleDetail} ns=${route.ns} name=${route.name} />`;
    case "submit": return html`<${SubmitForm} ns=${route.ns} template=${route.template} />`;
    default: return html`<${AppList} ns=${route.ns} />`;
  }
}

function Dashboard() {
  const route = useRoute();
  // Who the server takes us to be: from the token, or from a front proxy with no token at all.
  const token = session.token();
  const [who, setWho] = useState(undefined);
  useEffect(() => {
    setWho(undefined);
    get("/api/v1/whoami").then(setWho, () => setWho(null));
  }, [token]);
  if (route.page === "signin" || who === null) return html`<${SignIn} />`;
  if (who === undefined) return html`<main><p class="muted">Signing in…</p></main>`;
  // Keyed by the route, so that a page's state (a form, a stream) starts afresh on another page.
  return html`<${Header} ns=${route.ns} page=${route.page} who=${who} /><${Page} key=${location.hash} route=${route} />`;
}

render(html`<${Dashboard} />`, document.getElementById("root"));
