/**
 * Splits a command written as one string (`node server.mjs --port {port}`) into argv, the way
 * a POSIX shell splits words, without ever running a shell: no variables, globs, pipes or
 * redirections. A shell would make the command line mean different things on different
 * machines (and let a scenario file run anything it can spell); what a scenario names is
 * exactly what runs. Who needs a shell writes it out: `[sh, -c, "npm run build && npm start"]`.
 */

/** The outcome of {@link splitCommand}: the words, or what is wrong with the text. */
export type SplitCommand = { ok: true; argv: string[] } | { ok: false; problem: string };

// Characters a shell would interpret outside quotes; here they would be passed on literally,
// which is never what the author meant.
const shellSyntax = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`']);

const shellAdvice = 'the command is not run by a shell; write it as a list, e.g. [sh, -c, "..."], if it needs one';

/**
 * Splits `text` into words: blanks separate them; `'...'` keeps everything literally;
 * `"..."` keeps blanks, with `\"` and `\\` escaped; a backslash outside quotes escapes the
 * next character. `$` and `` ` `` are refused inside double quotes too (a shell would expand
 * them there).
 */
export function splitCommand(text: string): SplitCommand {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { ok: false, problem: 'a single quote is not closed' };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const inner = text[j]!;
        if (inner === '$' || inner === '`') return { ok: false, problem: `"${inner}" would be expanded by a shell; ${shellAdvice}` };
        if (inner === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        word += text[j];
      }
      if (j >= text.length) return { ok: false, problem: 'a double quote is not closed' };
      inWord = true;
      i = j;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) return { ok: false, problem: 'the command ends with a backslash' };
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else if (shellSyntax.has(ch)) {
      return { ok: false, problem: `"${ch}" is shell syntax; ${shellAdvice}` };
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) argv.push(word);
  if (argv.length === 0) return { ok: false, problem: 'the command is empty' };
  return { ok: true, argv };
}
