import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressPrinter } from './output.ts';

describe('progressPrinter', () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    return written;
  };

  it('shows live status in place on a terminal and clears it before the next line', () => {
    const written = capture();
    const print = progressPrinter(null, false, true);
    print({ type: 'status', phase: 'load', text: 'victim #1 10' });
    print({ type: 'status', phase: 'load', text: 'victim #1 20' });
    print({ type: 'info', message: 'done' });
    expect(written).toEqual(['\r\x1b[K  load: victim #1 10', '\r\x1b[K  load: victim #1 20', '\r\x1b[K', '  done\n']);
  });

  it('leaves live status out of plain output (CI logs)', () => {
    const written = capture();
    const print = progressPrinter(null, false, false);
    print({ type: 'status', phase: 'load', text: 'victim #1 10' });
    print({ type: 'info', message: 'done' });
    expect(written).toEqual(['  done\n']);
  });
});
