// The console's only way to the server: the public HTTP API, called with the bearer token the API key was exchanged
// for. The token lives in sessionStorage (gone when the tab closes, never sent as a cookie).

// The VPC API version the console speaks.
export const VPC_VERSION = '2026-10-06';
const TOKEN_KEY = 'hubspoke.console.token';

// An API error: the HTTP status and IBM's envelope (Policy Management, IAM Identity, VPC and DNS Services `errors`,
// or the token exchange's `errorCode`/`errorMessage`), flattened into a list of { code, message, target, messageCode,
// details, moreInfo } with the envelope's trace, so that a page can show why a request was refused, not only that it
// was.
export class ApiError extends Error {
  constructor(status, body) {
    const errors = Array.isArray(body?.errors)
      ? body.errors.map((e) => ({
        code: e.code || '',
        message: e.message || '',
        target: e.target?.name || null,
        messageCode: e.message_code || null,
        details: e.details ?? null,
        moreInfo: e.more_info || null,
      }))
      : [{ code: body?.errorCode || `http_${status}`, message: body?.errorMessage || `HTTP ${status}`, target: null,
        messageCode: null, details: body?.errorDetails ?? null, moreInfo: null }];
    super(errors.map((e) => e.message).join('; '));
    this.status = status;
    this.errors = errors;
    this.trace = body?.trace || body?.context?.requestId || null;
  }
}

// What the token says about who signed in (its payload is not secret; the server verifies the signature).
export function session() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    if (payload.exp && payload.exp * 1000 < Date.now()) {
      sessionStorage.removeItem(TOKEN_KEY);
      return null;
    }
    return { token, account: payload.account?.bss || null, iamId: payload.iam_id, role: payload.hubspoke_role,
      name: payload.name || null, kind: payload.sub_type || null };
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
}

// Exchanges an API key for a token exactly as IBM's SDK authenticators do.
export async function signIn(apikey) {
  const form = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey });
  const response = await fetch('/identity/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form,
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  sessionStorage.setItem(TOKEN_KEY, body.access_token);
  return session();
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// One API call; resolves to the parsed body (null when empty) or throws an ApiError. A 401 for an expired or invalid
// token signs out, so the sign-in form comes back.
export async function call(method, path, body) {
  const current = session();
  const headers = { accept: 'application/json' };
  if (current) headers.authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { errors: [{ code: 'not_json', message: text.slice(0, 200) }] };
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, parsed);
    if (response.status === 401 && error.errors.some((e) => e.code === 'invalid_token')) {
      signOut();
      window.dispatchEvent(new Event('hubspoke:signed-out'));
    }
    throw error;
  }
  return parsed;
}

// A VPC API path with the version and generation every such request carries.
export function vpcPath(path) {
  const separator = path.includes('?') ? '&' : '?';
  return `${path}${separator}version=${VPC_VERSION}&generation=2`;
}

// Every item of a paged VPC API list (`next.href` links), up to a sane bound.
export async function listAll(path, member) {
  const items = [];
  let next = vpcPath(`${path}${path.includes('?') ? '&' : '?'}limit=100`);
  for (let page = 0; next && page < 20; page += 1) {
    const body = await call('GET', next);
    items.push(...(body[member] || []));
    // The server writes absolute links; only their path and query are followed, on this origin.
    const link = body.next?.href ? new URL(body.next.href, location.origin) : null;
    next = link ? link.pathname + link.search : null;
  }
  return items;
}

// A link the server gave (absolute, or a path with its query) as a path on this origin: the console follows only
// links to its own server.
export function localPath(link) {
  if (!link) return null;
  const url = new URL(link, location.origin);
  return url.origin === location.origin ? url.pathname + url.search : null;
}

// One page of a list, read by a `shape` that says where the list's items, its next page and its total are (each
// IAM API pages its own way: `next_url`, a `next` path, `next.href` or `next.start`). Resolves to
// { items, next, total }, `next` being the path of the following page or null.
export async function listPage(path, shape) {
  const body = await call('GET', path);
  return { items: body?.[shape.member] || [], next: shape.next(body || {}, path), total: shape.total?.(body || {}) ?? null };
}

// Every item of such a list, page after page, up to a sane bound (the choices of a form).
export async function listEvery(path, shape) {
  const items = [];
  let next = path;
  for (let page = 0; next && page < 20; page += 1) {
    const answer = await listPage(next, shape);
    items.push(...answer.items);
    next = answer.next;
  }
  return items;
}

// The account and id a VPC CRN names (crn:v1:bluemix:public:is:REGION:a/ACCOUNT::vpc:ID).
export function crnParts(crn) {
  const parts = String(crn || '').split(':');
  if (parts.length !== 10 || parts[8] !== 'vpc') return null;
  return { account: parts[6].replace(/^a\//, ''), id: parts[9] };
}

// The CRN of the VPC `id` of `account`, written like `like`, a VPC CRN the server gave (all of a server's VPCs are in
// one region): how a VPC the activity log names only by id and account is named to the server.
export function vpcCrn(account, id, like) {
  const parts = String(like || '').split(':');
  if (parts.length !== 10 || parts[8] !== 'vpc' || !account || !id) return null;
  parts[6] = `a/${account}`;
  parts[9] = id;
  return parts.join(':');
}

// What creating a DNS resolution binding from the spoke VPC to the hub VPC would do now, and why, as the server
// explains it to the caller (`POST /_hubspoke/explain/binding`, what `hubspoke explain binding` asks): every rule
// that would refuse, in order, and the IAM decision, with the hub's policies for the hub's administrator only. Each
// VPC is `{ id }` for one of the caller's, `{ crn }` for another account's. The console applies no rule itself.
export async function explainBinding(spoke, hub) {
  return call('POST', '/_hubspoke/explain/binding', { spoke, hub });
}
