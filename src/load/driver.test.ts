import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHarnessError } from '../core/errors.ts';
import { runLoad, specProblems, type LoadSample, type LoadSpec } from './driver.ts';
import { startLoadProcess } from './load-process.ts';

// A tiny server on loopback: /slow answers after 20 ms, /limited with 429, /fail with 500,
// anything else at once. Counts and statuses are asserted, never how long anything took.
const slowMs = 20;
let server: Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers['authorization'] ?? ''}`);
    const answer = (status: number, headers: Record<string, string> = {}) => response.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{}');
    if (request.url === '/slow') setTimeout(() => answer(200), slowMs);
    else if (request.url === '/limited') answer(429, { 'retry-after': '1' });
    else if (request.url === '/busy') answer(503, { 'retry-after': '1' });
    else if (request.url === '/fail') answer(500);
    else answer(200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const spec = (over: Partial<LoadSpec>): LoadSpec => ({ label: 'test', url, paths: ['/fast'], headers: { authorization: 'Bearer t' }, connections: 2, durationSeconds: 1, ...over });

/** Responses by status add up to completed; nothing is both answered and failed. */
function expectConsistent(sample: LoadSample) {
  expect(Object.values(sample.statuses).reduce((a, b) => a + b, 0)).toBe(sample.completed);
  expect(sample.latencyUs.count).toBe(sample.completed);
  expect(sample.sent).toBeGreaterThanOrEqual(sample.completed);
}

/** Load children of this process still alive. */
function loadChildren(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).trim();
  return out ? out.split('\n').filter((line) => line.includes('load-child.mjs')) : [];
}

describe('runLoad', () => {
  it('runs specs side by side: open-loop counts, statuses and µs latencies add up', async () => {
    seen.length = 0;
    const [fast, slow, limited, mixed] = await runLoad([
      spec({ label: 'fast', ratePerSecond: 200, connections: 4, paths: ['/fast/a', '/fast/b'] }),
      spec({ label: 'slow', ratePerSecond: 50, connections: 5, paths: ['/slow'] }),
      spec({ label: 'limited', ratePerSecond: 40, paths: ['/limited'] }),
      spec({ label: 'mixed', ratePerSecond: 40, connections: 4, paths: ['/fail', '/busy', '/fast'], method: 'POST', body: '{"a":1}' }),
    ]);
    for (const sample of [fast!, slow!, limited!, mixed!]) expectConsistent(sample);

    // Open loop sends its slots, each answered: nothing omitted on an idle loopback server.
    expect(fast).toMatchObject({ label: 'fast', expected: 200, errors: 0, rejected: 0, statuses: { '200': fast!.completed } });
    expect(fast!.sent).toBeGreaterThanOrEqual(180); // a stall on a busy machine may omit a few
    expect(fast!.sent + fast!.omitted).toBe(200);
    expect(fast!.completed).toBe(fast!.sent);
    // Sub-millisecond resolution: a fast answer is well under one millisecond, not rounded to 0 or 1000.
    expect(fast!.latencyUs.p50).toBeGreaterThan(0);
    expect(fast!.latencyUs.p50).toBeLessThan(1000);
    expect(seen.filter((line) => line.startsWith('GET /fast/b Bearer t')).length).toBeGreaterThan(0);

    expect(slow).toMatchObject({ expected: 50, errors: 0 });
    expect(slow!.sent + slow!.omitted).toBe(50);
    expect(slow!.latencyUs.p50).toBeGreaterThanOrEqual(slowMs * 1000);

    expect(limited).toMatchObject({ expected: 40, errors: 0, rejected: limited!.completed, statuses: { '429': limited!.completed } });
    expect(limited!.throughput).toBe(0);

    // 500 is an error; 503 with Retry-After is throttling; the POST body arrived.
    expect(mixed!.errors).toBe(mixed!.statuses['500']);
    expect(mixed!.rejected).toBe(mixed!.statuses['503']);
    expect(mixed!.statuses['200']).toBeGreaterThan(0);
    expect(seen.some((line) => line.startsWith('POST /busy'))).toBe(true);
  });

  it('runs closed loop as fast as it goes, with no expectation', async () => {
    const [sample] = await runLoad([spec({ label: 'closed', connections: 2, durationSeconds: 0.5, paths: ['/slow'] })]);
    expectConsistent(sample!);
    expect(sample).toMatchObject({ expected: null, omitted: 0, errors: 0 });
    // Two connections, one request each in flight, each at least 20 ms: bounded by counts.
    expect(sample!.completed).toBeGreaterThan(2);
    expect(sample!.completed).toBeLessThanOrEqual(2 * Math.ceil(500 / slowMs) + 2);
  });

  it('counts requests to a closed port as errors', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [sample] = await runLoad([spec({ url: `http://127.0.0.1:${port}`, ratePerSecond: 20, durationSeconds: 0.5 })]);
    expect(sample).toMatchObject({ completed: 0, sent: sample!.errors });
    expect(sample!.errors).toBeGreaterThan(0);
  });

  it('kills every child on abort and rejects as interrupted', async () => {
    const controller = new AbortController();
    const running = runLoad([spec({ label: 'a', durationSeconds: 30, ratePerSecond: 20 }), spec({ label: 'b', durationSeconds: 30, paths: ['/slow'] })], {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    const error = await running.catch((e: unknown) => e);
    expect(isHarnessError(error) && error.code).toBe('interrupted');
    expect(loadChildren()).toEqual([]);
  });

  it('reports a crashed child by its label, with its stderr', async () => {
    // An HTTP method autocannon cannot build makes the child throw once started.
    const brew = startLoadProcess(spec({ label: 'teapot', method: 'BREW' as 'GET' }), () => {});
    await brew.ready;
    brew.start();
    await expect(brew.result).rejects.toThrow(/the load driver for "teapot" exited with code 1[^]*BREW HTTP method is not supported/);
    await brew.kill();
  });

  it('refuses bad specs, naming each problem', async () => {
    expect(specProblems(spec({ label: 'v', url: `${url}/`, paths: [], connections: 0, ratePerSecond: -1 }))).toEqual([
      'load spec "v": url must be http(s)://host[:port] without a path or trailing slash',
      'load spec "v": needs at least one path',
      'load spec "v": connections must be a positive integer',
      'load spec "v": ratePerSecond must be positive when given',
    ]);
    await expect(runLoad([spec({ paths: ['x'] })])).rejects.toMatchObject({ code: 'usage', problems: ['load spec "test": path "x" must start with /'] });
  });
});
