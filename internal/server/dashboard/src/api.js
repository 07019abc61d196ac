// The dashboard's only way to the server: its REST API, with the signed-in user's Kubernetes token in the
// Authorization header. The token lives in this tab's sessionStorage; no cookie is ever set, so no other
// site can make requests in the user's name (nothing to forge: no CSRF).

const tokenKey = "stoke.token";

export const session = {
  token: () => sessionStorage.getItem(tokenKey) || "",
  signIn: (token) => sessionStorage.setItem(tokenKey, token.trim()),
  signOut: () => sessionStorage.removeItem(tokenKey),
};

// ApiError carries the server's status and message ({"code", "reason", "message"}).
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Behind an authenticating front proxy there is no token: the proxy vouches for the user.
function headers(extra) {
  const token = session.token();
  return token ? { Authorization: "Bearer " + token, ...extra } : { ...extra };
}

async function failure(resp) {
  let message = resp.statusText;
  try {
    const body = await resp.json();
    message = body.message || body.msg || message;
  } catch (e) {
    // not JSON: keep the status text
  }
  return new ApiError(resp.status, message);
}

export async function get(path) {
  const resp = await fetch(path, { headers: headers() });
  if (!resp.ok) throw await failure(resp);
  return resp.json();
}

export async function post(path, body) {
  const resp = await fetch(path, {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!resp.ok) throw await failure(resp);
  return resp.json();
}

export async function del(path) {
  const resp = await fetch(path, { method: "DELETE", headers: headers() });
  if (!resp.ok) throw await failure(resp);
  return resp.json();
}

// stream reads a text response chunk by chunk (a followed log) until the signal aborts it.
export async function stream(path, signal, onText) {
  const resp = await fetch(path, { headers: headers(), signal });
  if (!resp.ok) throw await failure(resp);
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText(decoder.decode(value, { stream: true }));
  }
}

// watch follows a list's server-sent events (fetch, not EventSource, which cannot send the token),
// calling onEvent(kind, object) for ADDED, MODIFIED, DELETED, SYNCED and ERROR. It reconnects after a
// broken stream, starting from a fresh snapshot (onEvent("RESET")).
export function watch(path, onEvent, onError) {
  const controller = new AbortController();
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      try {
        onEvent("RESET");
        let buffer = "";
        await stream(path + (path.includes("?") ? "&" : "?") + "watch=true", controller.signal, (text) => {
          buffer += text;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let kind = "";
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) kind = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (kind) onEvent(kind, data ? JSON.parse(data) : null);
          }
        });
      } catch (e) {
        if (stopped) return;
        onError(e);
        if (e instanceof ApiError && e.status < 500) return; // refused: retrying would not help
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  run();
  return () => {
    stopped = true;
    controller.abort();
  };
}
