import { connect } from 'node:net';

/**
 * HTTP/1.1 over a bare socket, for hostile requests that `fetch` and `node:http` refuse to
 * send (a NUL or CRLF in a header, a lying Content-Length, any bytes in the path). One
 * request per connection (`Connection: close`): the answer is everything until the server
 * closes, so nothing of one case can leak into the next.
 */

/** What the server answered. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The whole answer as text (status line, headers, body): what a leak check scans. */
  raw: string;
}

/** A request as bytes: everything but Host, Connection and (unless given) Content-Length. */
export interface RawRequest {
  method: string;
  /** Sent as it is: not encoded, not normalised. */
  target: string;
  /** Name and value pairs, sent as they are (latin1 for non-ASCII bytes is the caller's choice). */
  headers: [string, string][];
  body?: Buffer | string;
}

/** Sends one request to `base` (`http://host:port`); rejects when no answer comes within `timeoutMs`. */
export function sendRaw(base: string, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: close'];
  const given = new Set(request.headers.map(([name]) => name.toLowerCase()));
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (body.length > 0 && !given.has('content-length')) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${request.method} ${request.target.slice(0, 80)}`));
    }, timeoutMs);
    // Written, not ended: a half-closed socket makes Node's server drop the request unanswered.
    socket.on('connect', () => socket.write(Buffer.concat([head, body])));
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may answer early (413, 401) and reset before reading the whole body: keep what came.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      const split = bytes.indexOf('\r\n\r\n');
      const headText = bytes.subarray(0, Math.max(split, 0)).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(headText);
      if (!status || split < 0) return reject(new Error(`no HTTP answer to ${request.method} ${request.target.slice(0, 80)}: ${JSON.stringify(bytes.toString('utf8', 0, 200))}`));
      const headers: Record<string, string> = {};
      for (const line of headText.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = bytes.subarray(split + 4);
      const body = (headers['transfer-encoding'] === 'chunked' ? unchunk(rest) : rest).toString('utf8');
      resolve({ status: Number(status[1]), headers, body, raw: `${headText}\r\n\r\n${body}` });
    });
  });
}

/** The body of a chunked answer. */
function unchunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = bytes.indexOf('\r\n', at);
    const size = eol < 0 ? 0 : parseInt(bytes.toString('latin1', at, eol), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(bytes.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
