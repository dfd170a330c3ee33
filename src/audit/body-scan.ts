/**
 * A small lexer for function bodies (prosrc). Bodies are not parsed — PL/pgSQL is not SQL and
 * other languages embed SQL in their own strings — so the audit reads them as text: it keeps
 * the dotted identifier chains (`public.notes`, `n.body`, `notes`) and drops comments, which
 * mention tables without touching them. String literals and dollar-quoted strings are scanned
 * as SQL too, because dynamic SQL (`EXECUTE 'select ... from notes'`) lives in them.
 */

const identStart = /[A-Za-z_\u0080-\uffff]/;
const identPart = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * The identifier chains of a body, in source order: unquoted names folded to lower case as
 * Postgres folds them, quoted names kept exact. `public . notes` is one chain; a chain ends at
 * anything but a dot, a name or white space.
 */
export function identifierChains(source: string): string[][] {
  const chains: string[][] = [];
  scan(source, chains, 0);
  return chains;
}

function scan(text: string, out: string[][], depth: number): void {
  let chain: string[] = [];
  let afterDot = false;
  const flush = () => {
    if (chain.length > 0) out.push(chain);
    chain = [];
    afterDot = false;
  };
  const name = (value: string) => {
    if (afterDot && chain.length > 0) chain.push(value);
    else {
      flush();
      chain = [value];
    }
    afterDot = false;
  };
  // Literals nest (a dollar-quoted body holding a quoted EXECUTE string); a depth cap keeps
  // hostile input from recursing without end.
  const inner = (content: string) => {
    flush();
    if (depth < 4) scan(content, out, depth + 1);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
      flush();
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(text, i);
      flush();
    } else if (c === "'") {
      // E'...' strings take backslash escapes; standard strings only double the quote.
      const escapes = /[eE]/.test(text[i - 1] ?? '') && !identPart.test(text[i - 2] ?? '');
      const [content, end] = readQuoted(text, i, "'", escapes);
      inner(content);
      i = end;
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(text.slice(i, i + 65))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 65))![0];
      const close = text.indexOf(tag, i + tag.length);
      const end = close < 0 ? text.length : close;
      inner(text.slice(i + tag.length, end));
      i = close < 0 ? text.length : close + tag.length;
    } else if (c === '"') {
      const [content, end] = readQuoted(text, i, '"', false);
      name(content);
      i = end;
    } else if (identStart.test(c)) {
      let end = i + 1;
      while (end < text.length && identPart.test(text[end]!)) end++;
      name(text.slice(i, end).toLowerCase());
      i = end;
    } else if (c === '.') {
      afterDot = chain.length > 0;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      flush();
      i++;
    }
  }
  flush();
}

/** Skips a (nesting, as in Postgres) block comment starting at `start`; returns the index after it. */
function skipBlockComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return text.length;
}

/** Reads a literal or quoted name opening at `start`; a doubled quote is one quote. */
function readQuoted(text: string, start: number, quote: string, backslashes: boolean): [string, number] {
  let content = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (backslashes && c === '\\') {
      content += text[i + 1] ?? '';
      i += 2;
    } else if (c === quote && text[i + 1] === quote) {
      content += quote;
      i += 2;
    } else if (c === quote) {
      return [content, i + 1];
    } else {
      content += c;
      i++;
    }
  }
  return [content, text.length];
}
