// One load spec, run by autocannon in its own process (spawned by driver.ts; see
// child-protocol.ts for the messages). Plain JavaScript so it starts without a TypeScript
// loader, and a separate process so the load never shares the event loop of the app it
// measures.
//
// stdin:  line 1 the LoadSpec as JSON, line 2 `start`. stdin closing means the parent is gone.
// stdout: `{"type":"ready"}`, then `{"type":"progress","sent":n}` now and then, then one
//         `{"type":"result","sample":{...}}` line, and the process exits 0.
//
// Why autocannon's client is wrapped (its `setupClient` hook, given each client before it
// connects):
// - Latency: autocannon's histogram holds whole milliseconds; the client's own `response`
//   event carries the hrtime duration as fractional milliseconds, kept here in µs.
// - Open loop: autocannon's `overallRate` gives each connection a quota per second, reset by a
//   1 s interval that starts at the same moment on every connection, so all connections fire
//   their quota back to back at the top of each second — a burst, not a rate. Instead each
//   connection gets evenly spaced send slots (connection i of C sends slot m = i + kC at
//   t0 + m/rate) and `_doRequest` (called on connect and after every response) waits for the
//   next slot. A slot that passed while the connection was still waiting is skipped, not sent
//   late in a burst; skipped slots show up as `expected - sent` (coordinated omission).
// - Deadline and drain: sending stops at exactly durationSeconds (autocannon's own stop only
//   happens on a sample tick), then requests in flight get up to their timeout to finish, so
//   the slowest requests of a run are not cut from its percentiles.
// - Lost requests: autocannon reconnects after a socket error or close without forgetting the
//   request in flight, and would time the next response from the lost request's start; the
//   wrapper drops the stale entry and counts it as an error.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { histogram, summarize, LatencyLog } from './latency-log.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const write = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

/** Runs one spec and resolves with its LoadSample. */
function runSpec(spec) {
  const rate = spec.ratePerSecond ?? 0;
  const connections = spec.connections;
  const timeoutSeconds = spec.timeoutSeconds ?? 10;
  // Open loop starts its slots a moment after the sockets are opened, so the first requests
  // do not carry the TCP handshake.
  const t0 = performance.now() + (rate ? 25 : 0);
  const deadline = t0 + spec.durationSeconds * 1000;
  const totalSlots = rate ? Math.ceil(rate * spec.durationSeconds - 1e-9) : Infinity;
  const latencies = new LatencyLog();
  const statuses = {};
  const counts = { sent: 0, completed: 0, ok: 0, errors: 0, rejected: 0 };
  const clients = [];
  let sendingOver = false;
  let finished = false;
  let instance;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));

  const inFlight = () => clients.reduce((sum, client) => sum + client.pipelinedRequests.size(), 0);
  const maybeFinish = () => {
    if (finished || !sendingOver || inFlight() > 0) return;
    finished = true;
    resolveDone(performance.now());
  };

  function setupClient(client) {
    const original = client._doRequest;
    // Private parts of autocannon 8's client (lib/httpClient.js); the ticker is created
    // after this hook runs, so it is only reached from _doRequest.
    if (typeof original !== 'function' || typeof client.pipelinedRequests?.insertRequest !== 'function') {
      throw new Error('this autocannon has no _doRequest/pipelinedRequests: the load driver needs autocannon 8');
    }
    const index = clients.length;
    clients.push(client);
    let slot = -1;
    let timer = null;
    let retryAfter = false;

    // Every dropped entry (timeout, reset, lost on reconnect) is a request that failed.
    const queue = client.pipelinedRequests;
    const clear = queue.clear.bind(queue);
    queue.clear = () => {
      counts.errors += queue.size();
      clear();
    };
    const insert = queue.insertRequest.bind(queue);
    queue.insertRequest = (request) => {
      counts.sent++;
      insert(request);
    };

    const fire = () => {
      timer = null;
      if (!client.destroyed) original.call(client);
    };
    client._doRequest = function paced() {
      // With pipelining 1 an entry still queued here was lost with its connection.
      if (queue.size() > 0) queue.clear();
      if (client.destroyed || timer) return;
      const now = performance.now();
      let next = slot + 1;
      if (rate) {
        const slotTime = (k) => t0 + ((index + k * connections) * 1000) / rate;
        // The last slot already due; the ones between were missed while waiting (omitted).
        const latest = Math.floor(((now - t0) * rate / 1000 - index) / connections);
        if (latest > next) next = latest;
        if (index + next * connections < totalSlots) {
          slot = next;
          const wait = slotTime(next) - now;
          if (wait <= 0) return fire();
          timer = setTimeout(fire, wait);
          // autocannon times a request out from its send; an idle wait is not a timeout.
          client.timeoutTicker.reschedule(wait + client.timeout);
          return;
        }
      } else if (now < deadline) {
        return fire();
      }
      client.timeoutTicker.clear();
      maybeFinish();
    };

    client.on('headers', (info) => {
      retryAfter = false;
      const raw = info.headers ?? [];
      for (let i = 0; i < raw.length; i += 2) if (String(raw[i]).toLowerCase() === 'retry-after') retryAfter = true;
    });
    client.on('response', (status, _bytes, durationMs) => {
      latencies.add(durationMs * 1000);
      counts.completed++;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) counts.ok++;
      else if (status === 429 || (status === 503 && retryAfter)) counts.rejected++;
      else if (status >= 500) counts.errors++;
    });
  }

  const requests = spec.paths.map((path) => ({ path, method: spec.method ?? 'GET', ...(spec.body === undefined ? {} : { body: spec.body }) }));
  const headers = { ...spec.headers };
  if (spec.body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  // autocannon's own duration is only a backstop: the deadline above ends sending.
  instance = autocannon({
    url: spec.url,
    connections,
    pipelining: 1,
    duration: spec.durationSeconds + timeoutSeconds + 5,
    timeout: timeoutSeconds,
    sampleInt: 100,
    headers,
    requests,
    setupClient,
  });
  instance.on('error', (error) => {
    throw error;
  });
  const progress = setInterval(() => write({ type: 'progress', sent: counts.sent }), 500);
  const stopSending = setTimeout(() => {
    sendingOver = true;
    // Idle clients waiting for a slot past the deadline never get one.
    maybeFinish();
  }, deadline - performance.now());
  // Requests in flight after the deadline time out within timeoutSeconds (this is a backstop),
  // unless the spec cuts the drain short (drainSeconds): those are then left unanswered.
  const drainMs = spec.drainSeconds === undefined ? timeoutSeconds * 1000 + 2000 : spec.drainSeconds * 1000;
  const drainLimit = setTimeout(() => resolveDone(performance.now()), deadline - performance.now() + drainMs);

  return done.then(async (end) => {
    clearInterval(progress);
    clearTimeout(stopSending);
    clearTimeout(drainLimit);
    instance.stop();
    await instance;
    const expected = rate ? totalSlots : null;
    const durationMs = end - t0;
    return {
      label: spec.label,
      sent: counts.sent,
      expected,
      omitted: expected === null ? 0 : Math.max(0, expected - counts.sent),
      completed: counts.completed,
      durationMs: Math.round(durationMs * 1000) / 1000,
      throughput: durationMs > 0 ? counts.ok / (durationMs / 1000) : 0,
      statuses,
      errors: counts.errors,
      rejected: counts.rejected,
      latencyUs: summarize(latencies),
      histogram: histogram(latencies.sorted()),
      ...(spec.keepLatencies ? { latenciesUs: Array.from(latencies.sorted(), Math.round) } : {}),
    };
  });
}

const lines = createInterface({ input: process.stdin });
let spec;
lines.on('line', (line) => {
  if (spec === undefined) {
    spec = JSON.parse(line);
    write({ type: 'ready' });
  } else if (line === 'start') {
    runSpec(spec).then((sample) => process.stdout.write(`${JSON.stringify({ type: 'result', sample })}\n`, () => process.exit(0)));
  }
});
// The parent is gone (or gave up): no orphaned load.
lines.on('close', () => process.exit(spec === undefined ? 1 : 70));
