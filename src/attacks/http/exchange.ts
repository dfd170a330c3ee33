import type { CanaryCodec, CanaryHit } from '../../core/canary.ts';
import type { HttpMethod } from './api.ts';

/** One HTTP request an attack sends. `tenant` is the tenant whose credentials the attacker really holds. */
export interface HttpRequestSpec {
  method: HttpMethod;
  path: string;
  /** The headers that authenticate it (a bearer token, an API key): shown in reproductions. */
  auth?: Record<string, string>;
  /** Other headers (tenant overrides). */
  headers?: Record<string, string>;
  body?: unknown;
  /** Index of the attacker's own tenant: canaries of any other tenant in the answer are a leak. */
  tenant: number;
  /** Requests with the same burst number were sent concurrently. */
  burst?: number;
  /** The route template (`GET /projects/{id}`), for findings; else derived from the path. */
  route?: string;
}

/** A request and what came back. */
export interface HttpExchange {
  request: HttpRequestSpec;
  status: number;
  /** Response headers and body as text: everything the attacker received. */
  headers: string;
  body: string;
}

/** Sends one request; network errors become status 0 with the message as body. */
export async function sendRequest(url: string, spec: HttpRequestSpec): Promise<HttpExchange> {
  const headers: Record<string, string> = { ...spec.auth, ...spec.headers };
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(`${url}${spec.path}`, { method: spec.method, headers, body: spec.body === undefined ? undefined : JSON.stringify(spec.body) });
    const body = await response.text();
    return { request: spec, status: response.status, headers: [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n'), body };
  } catch (error) {
    return { request: spec, status: 0, headers: '', body: String(error) };
  }
}

/** Sends requests concurrently, tagging them with one burst number. */
export function sendBurst(url: string, specs: HttpRequestSpec[], burst: number): Promise<HttpExchange[]> {
  return Promise.all(specs.map((s) => sendRequest(url, { ...s, burst })));
}

/** The decoded segments of every JWT-shaped word in a header value, as text ('' when none decode). */
export function tokenPayloadText(value: string | undefined): string {
  const parts = (value ?? '').split(/\s+/).flatMap((word) => (word.includes('.') ? word.split('.') : []));
  return parts.map((part) => Buffer.from(part, 'base64url').toString('utf8')).join('\n');
}

/** Everything the attacker sent, as text (token payloads decoded): its own canaries echoed back are not a leak. */
export function sentText(spec: HttpRequestSpec): string {
  const auth = Object.values(spec.auth ?? {});
  return [decodeURIComponentSafe(spec.path), JSON.stringify(spec.auth ?? {}), JSON.stringify(spec.headers ?? {}), JSON.stringify(spec.body ?? null), ...auth.map(tokenPayloadText)].join('\n');
}

function decodeURIComponentSafe(text: string): string {
  try {
    return `${text}\n${decodeURIComponent(text)}`;
  } catch {
    return text;
  }
}

/** Canaries of tenants other than the attacker's in an answer, leaving out those the attacker sent. */
export function foreignCanaries(codec: CanaryCodec, exchange: HttpExchange): CanaryHit[] {
  const sent = new Set(codec.scan(sentText(exchange.request)).map((h) => h.canary));
  return codec.scan(`${exchange.headers}\n${exchange.body}`).filter((h) => h.tenantIndex !== exchange.request.tenant && !sent.has(h.canary));
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Tells live credentials apart in reproductions: given an auth header value, a description of
 * it when it would authenticate against the app (a token signed with its secret and not yet
 * expired, a tenant's API key), or null when it is not a credential (a forged or expired token
 * is the attack itself and stays as it is).
 */
export type CredentialCheck = (name: string, value: string, tenant: number) => string | null;

/**
 * The exchanges as curl commands; concurrent bursts run in the background and are awaited.
 * Live credentials never appear: each becomes a shell variable (`$TG_CREDENTIAL_1`) that a
 * comment above the commands describes (whose, which claims, where to get it), so a report
 * can be shared without handing out working tokens or keys.
 */
export function curlScript(url: string, exchanges: readonly HttpExchange[], live?: CredentialCheck): string {
  const lines: string[] = [];
  const variables = new Map<string, string>();
  const preamble: string[] = [];
  const header = (name: string, value: string, tenant: number, isAuth: boolean): string => {
    const described = isAuth && live ? live(name, value, tenant) : null;
    if (described === null) return `-H ${shellQuote(`${name}: ${value}`)}`;
    let variable = variables.get(value);
    if (!variable) {
      variable = `TG_CREDENTIAL_${variables.size + 1}`;
      variables.set(value, variable);
      preamble.push(`# $${variable}: ${described}`);
    }
    // Double quotes so the shell expands the variable; the header name is a token, safe inside.
    const scheme = value.includes(' ') ? `${value.slice(0, value.lastIndexOf(' ') + 1)}` : '';
    return `-H "${name}: ${scheme.replace(/["$`\\]/g, '')}$${variable}"`;
  };
  let burst: number | undefined;
  for (const { request: r, status } of exchanges) {
    if (burst !== undefined && r.burst !== burst) lines.push('wait');
    const parts = ['curl -s', `-X ${r.method}`];
    for (const [k, v] of Object.entries(r.auth ?? {})) parts.push(header(k, v, r.tenant, true));
    for (const [k, v] of Object.entries(r.headers ?? {})) parts.push(header(k, v, r.tenant, false));
    if (r.body !== undefined) parts.push(`-H 'content-type: application/json'`, `-d ${shellQuote(JSON.stringify(r.body))}`);
    parts.push(shellQuote(`${url}${r.path}`));
    lines.push(`${parts.join(' ')}${r.burst !== undefined ? ' &' : ''}   # tenant #${r.tenant}, got ${status}`);
    burst = r.burst;
  }
  if (burst !== undefined) lines.push('wait');
  return [...preamble, ...lines].join('\n');
}
