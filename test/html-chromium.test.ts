import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/core/report.ts';
import { renderHtml } from '../src/report/html.ts';
import { fixtureReport, type FixtureReportName } from './helpers/golden.ts';

/**
 * The HTML report as a reader sees it: rendered to a file and opened in Debian's Chromium,
 * headless, with every request other than the file itself blocked and counted (must be none),
 * no console or page error (a CSP refusal would be one), and the page checked: the verdict
 * banner, one group per failing check, the access matrix's leaked cells, the charts drawn at a
 * real size, a full-page screenshot that shows something, and the page read without script.
 */

const executablePath = '/usr/bin/chromium';
const viewport = { width: 1280, height: 900 };
let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: the HTML report is checked in Debian's Chromium. Install it with: apt-get install -y chromium`);
  dir = mkdtempSync(join(tmpdir(), 'tenantguard-html-'));
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  report: Report;
  /** Requests for anything but the report file: blocked, and must stay empty. */
  outside: string[];
  errors: string[];
  close: () => Promise<void>;
}

/** Renders a fixture to a file and opens it in a fresh context that lets only that file load. */
async function open(name: FixtureReportName, javaScriptEnabled = true, tamper: (html: string) => string = (html) => html): Promise<Opened> {
  const report = fixtureReport(name);
  const file = join(dir, `${name}.html`);
  writeFileSync(file, tamper(renderHtml(report)));
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, javaScriptEnabled });
  const page = await context.newPage();
  const outside: string[] = [];
  const errors: string[] = [];
  await page.route('**/*', (route) => {
    const requested = route.request().url();
    if (requested === url) return route.continue();
    outside.push(requested);
    return route.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, report, outside, errors, close: () => context.close() };
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes) into pixels. */
function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect({ depth: data[8], interlace: data[12] }).toEqual({ depth: 8, interlace: 0 });
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels, `PNG colour type ${data[9]}`).toBeGreaterThan(0);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      if (predictor === undefined) throw new Error(`PNG filter ${filter}`);
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

const rgbAt = (img: ReturnType<typeof decodePng>, x: number, y: number) => {
  const i = (Math.round(y) * img.width + Math.round(x)) * img.channels;
  return [img.pixels[i]!, img.pixels[i + 1]!, img.pixels[i + 2]!] as const;
};

describe('HTML report in Chromium', () => {
  it('shows the findings report: verdict, one group per failing check, leaked cells, a real screenshot', async () => {
    const { page, report, outside, errors, close } = await open('findings');
    try {
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
      const banner = page.locator('.verdict');
      await expect.poll(() => banner.isVisible()).toBe(true);
      expect(await banner.locator('.word').innerText()).toBe('FAIL');
      expect(await banner.locator('.reason').innerText()).toBe(report.verdictReason);
      const failing = report.results.filter((r) => r.verdict === 'fail').length;
      expect(failing).toBeGreaterThan(0);
      expect(await page.locator('.groups.failing > details.check-group').count()).toBe(failing);

      expect(report.accessMatrix, 'the findings fixture must carry an access matrix (regenerate it with the attack phase)').toBeDefined();
      const leaked = report.accessMatrix!.cells.filter((c) => c.outcome === 'leaked').length;
      expect(leaked).toBeGreaterThan(0);
      const cells = page.locator('table.matrix td[data-outcome="leaked"]');
      expect(await cells.count()).toBe(leaked);
      expect(await cells.first().innerText()).toBe('leaked');
      expect(await cells.first().getAttribute('title')).toMatch(/^tenant #\d+ · \w+ on .+: leaked/);

      const shot = await page.screenshot({ fullPage: true, type: 'png' });
      const img = decodePng(shot);
      expect(img.width).toBe(viewport.width);
      expect(img.height).toBeGreaterThan(2000);
      const colours = new Set<string>();
      for (let y = 0; y < img.height; y += 37) for (let x = 0; x < img.width; x += 23) colours.add(rgbAt(img, x, y).join(','));
      expect(colours.size).toBeGreaterThan(20);
      // The banner's verdict box is drawn red, in the screenshot and not only in the CSS.
      const box = (await banner.locator('.word').boundingBox())!;
      const [r, g, b] = rgbAt(img, box.x + 6, box.y + 6);
      expect(r).toBeGreaterThan(150);
      expect(g + b).toBeLessThan(200);
    } finally {
      await close();
    }
  });

  it('shows the passing report with its charts drawn at a real size', async () => {
    const { page, report, outside, errors, close } = await open('passing');
    try {
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
      expect(await page.locator('.verdict .word').innerText()).toBe(report.verdict.toUpperCase());
      expect(await page.locator('.groups.failing > details.check-group').count()).toBe(report.results.filter((r) => r.verdict === 'fail').length);
      const sizes = await page.locator('#load svg.chart').evaluateAll((svgs) =>
        svgs.map((svg) => {
          const r = svg.getBoundingClientRect();
          return { width: r.width, height: r.height, title: svg.querySelector(':scope > title')?.textContent ?? '' };
        }),
      );
      const drawn = sizes.filter((s) => s.width > 100 && s.height > 80);
      expect(drawn.length).toBeGreaterThanOrEqual(3);
      for (const s of sizes) expect(s.title).not.toBe('');
      const marks = await page.locator('#load svg.chart polygon.hist, #load svg.chart rect.bar').evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().width > 0).length);
      expect(marks).toBeGreaterThan(0);

      const shot = decodePng(await page.screenshot({ fullPage: true, type: 'png' }));
      const box = (await page.locator('.verdict .word').boundingBox())!;
      const [r, g, b] = rgbAt(shot, box.x + 6, box.y + 6);
      expect(g).toBeGreaterThan(r + 40);
      expect(g).toBeGreaterThan(b + 40);

      // The optional script: "Expand all" opens every collapsed section.
      expect(await page.locator('details:not([open])').count()).toBeGreaterThan(0);
      await page.locator('#toolbar button', { hasText: 'Expand all' }).click();
      expect(await page.locator('details:not([open])').count()).toBe(0);
    } finally {
      await close();
    }
  });

  it('would notice a page that loads something (both guards can fail)', async () => {
    const img = '<img src="https://tenantguard.invalid/pixel.png" alt="">';
    const withoutCsp = await open('empty', true, (html) => html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('<footer>', `${img}<footer>`));
    try {
      expect(withoutCsp.outside).toEqual(['https://tenantguard.invalid/pixel.png']);
    } finally {
      await withoutCsp.close();
    }
    const withCsp = await open('empty', true, (html) => html.replace('<footer>', `${img}<footer>`));
    try {
      expect(withCsp.outside).toEqual([]);
      expect(withCsp.errors.join('\n')).toMatch(/Content Security Policy/);
    } finally {
      await withCsp.close();
    }
  });

  it('reads fully without JavaScript', async () => {
    const { page, report, outside, errors, close } = await open('findings', false);
    try {
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
      expect(await page.locator('.verdict .reason').innerText()).toBe(report.verdictReason);
      expect(await page.locator('#toolbar button').count()).toBe(0);
      const firstGroup = page.locator('.groups.failing > details.check-group').first();
      expect(await firstGroup.locator('.remediation').isVisible()).toBe(true);
    } finally {
      await close();
    }
  });
});
