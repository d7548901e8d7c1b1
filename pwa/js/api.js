// The network: fetch with the session cookie, the CSRF token on writes, and
// errors turned into ApiError with the server's code, message and fields.

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token;
}

export function hasCsrfToken() {
  return Boolean(csrfToken);
}

export class ApiError extends Error {
  constructor(status, code, message, fields = {}, headers = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.headers = headers;
  }
}

export class NetworkError extends Error {}

export async function request(method, path, { json, body, headers = {} } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  if (csrfToken && !['GET', 'HEAD'].includes(method)) init.headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new NetworkError(error.message);
  }
  if (response.status >= 500) throw new NetworkError(`server answered ${response.status}`);
  if (response.status >= 400) {
    let error = {};
    try {
      error = (await response.json()).error || {};
    } catch {
      // no JSON body (HEAD): keep the status
    }
    throw new ApiError(response.status, error.code || 'error', error.message || response.statusText, error.fields, response.headers);
  }
  return response;
}

export async function getJson(path) {
  return (await request('GET', path)).json();
}

export async function postJson(path, json) {
  const response = await request('POST', path, { json });
  return response.status === 204 ? null : response.json();
}
