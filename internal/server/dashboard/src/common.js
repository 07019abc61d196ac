// What the dashboard's pages share: navigation, live lists, and the small pieces of every page.
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import htm from "htm";
import { ApiError, session, watch } from "./api.js";

const html = htm.bind(h);

export const apiBase = (ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}`;

export const go = (path) => {
  location.hash = path;
};

// ---- small pieces

const phaseClass = (phase) => "phase phase-" + (phase || "Pending").toLowerCase();

export function Phase({ phase }) {
  return html`<span class=${phaseClass(phase)} data-phase=${phase || "Pending"}>${phase || "Pending"}</span>`;
}

export function age(ts) {
  if (!ts) return "";
  const s = Math.max(0, (Date.now() - new Date(ts).getTime()) / 1000);
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function when(ts) {
  return ts ? new Date(ts).toLocaleString() : "–";
}

export function Problem({ error }) {
  if (!error) return null;
  const forbidden = error instanceof ApiError && error.status === 403;
  return html`<div class="problem" data-status=${error.status || ""} role="alert">
    <strong>${forbidden ? "Forbidden" : error.status ? `Error ${error.status}` : "Error"}</strong> ${error.message}
  </div>`;
}

// useWatch holds the objects of a watched list, kept current by the server's event stream.
export function useWatch(path) {
  const [state, setState] = useState({ items: new Map(), synced: false, error: null });
  useEffect(() => {
    let items = new Map();
    let synced = false;
    const publish = (error = null) => setState({ items: new Map(items), synced, error });
    const stop = watch(path, (kind, obj) => {
      switch (kind) {
        case "RESET":
          items = new Map();
          synced = false;
          return;
        case "SYNCED":
          synced = true;
          break;
        case "ADDED":
        case "MODIFIED":
          items.set(obj.metadata.name, obj);
          if (!synced) return; // the snapshot is published at once, on SYNCED
          break;
        case "DELETED":
          items.delete(obj.metadata.name);
          break;
        case "ERROR":
          return publish(new Error(obj && obj.message));
      }
      publish();
    }, (err) => {
      if (err instanceof ApiError && err.status === 401) {
        session.signOut(); // the token expired or was never valid
        go("#/signin");
      }
      publish(err);
    });
    return stop;
  }, [path]);
  return state;
}

export function Fields({ rows }) {
  return html`<dl class="fields">${rows.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) =>
    html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}
