/**
 * Escaping for the Markdown report (markdown.ts). Report text comes from the system under test
 * (policy names, SQL, error messages, HTTP bodies), so none of it may change the comment's
 * structure: no new block, no closed fence, no raw HTML, no link, no @mention that pings
 * someone, no `#12` that links an unrelated issue. Each helper is for one context.
 */

// ANSI colour codes (an error message from a tool that colours its output) and the other control
// characters but tab and newline: a PR comment would show them as garbage.
const ansi = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const controls = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** Newlines of any style (\r\n, \r, Unicode separators) as `\n`, ANSI codes removed, other control characters as U+FFFD. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?|[\u2028\u2029]/g, '\n').replace(ansi, '').replace(controls, '\uFFFD');
}

/** Cuts `text` to at most `max` characters with an ellipsis, never inside a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  if (/[\uD800-\uDBFF]/.test(text.charAt(cut - 1))) cut--;
  return `${text.slice(0, cut)}…`;
}

// U+2060 WORD JOINER: invisible, and GitHub's reference and mention filters no longer match.
const joiner = '\u2060';

/**
 * Plain report text as inline Markdown, on one line: every character with Markdown or HTML
 * meaning is backslash-escaped (`|` too, so the same text is safe in a table cell), newlines
 * become spaces, and `#123` / `@name` are broken with an invisible joiner so GitHub neither
 * links an unrelated issue nor notifies a user. For text inside a line; {@link escapeLine} at
 * the start of one.
 */
export function escapeText(text: string): string {
  return cleanText(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`)
    .replace(/#(?=\d)/g, `#${joiner}`)
    .replace(/(^|\W)@(?=[\w-])/g, `$1@${joiner}`);
}

/**
 * {@link escapeText} for text that starts a line: leading spaces dropped (four would make a code
 * block), a leading `#`, `>`, `-`, `+`, `=` or `1.` escaped (each would start a block).
 */
export function escapeLine(text: string): string {
  return escapeText(cleanText(text).trimStart()).replace(/^(?:([#>+=-])|(\d+)(?=[.)]))/, (_, mark?: string, digits?: string) => (mark ? `\\${mark}` : `${digits}\\`));
}

/** Text for an HTML context (`<summary>`, attributes): `& < > " '` as entities, on one line. */
export function escapeHtml(text: string): string {
  return cleanText(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The longest run of `char` in `text`. */
function longestRun(text: string, char: '`' | '~'): number {
  let longest = 0;
  for (const run of text.match(char === '`' ? /`+/g : /~+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * Inline code that shows `text` exactly (on one line): delimited by more backticks than any run
 * inside, padded with spaces when it starts or ends with a backtick (CommonMark strips one
 * space on each side). `inTable`: pipes escaped, which GitHub's table parser removes again
 * before rendering the span; outside a table the backslash would show, so it is opt-in.
 */
export function inlineCode(text: string, inTable = false): string {
  let body = cleanText(text).replace(/\s*\n\s*/g, ' ');
  if (body.trim() === '') body = body === '' ? ' ' : body;
  const ticks = '`'.repeat(longestRun(body, '`') + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || (body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '') ? ' ' : '';
  const span = `${ticks}${pad}${body}${pad}${ticks}`;
  return inTable ? span.replace(/\|/g, '\\|') : span;
}

/**
 * A fenced code block that `text` cannot close early: the fence is longer than any backtick run
 * inside (at least three). `language` is an info string of letters only, or empty.
 */
export function fencedBlock(text: string, language: string): string {
  const body = cleanText(text).replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${/^[a-z]+$/.test(language) ? language : ''}\n${body}\n${fence}`;
}

/**
 * The fence language of a reproduction, from its content: `sql` for a psql script, `sh` for
 * curl or shell lines, empty when it is neither (shown as plain text rather than mis-highlighted).
 */
export function reproductionLanguage(text: string): 'sql' | 'sh' | '' {
  const lines = cleanText(text)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const code = lines.filter((line) => !line.startsWith('--') && !line.startsWith('#'));
  if (code.some((line) => /^(curl|wget|http|export|wait|xargs|seq|for|printf|echo|set -)\b/.test(line) || /^[A-Z_][A-Z0-9_]*=/.test(line))) return 'sh';
  if (code.some((line) => /^\\[a-z]/.test(line) || /^(select|insert|update|delete|begin|commit|rollback|with|set|reset|copy|merge|call|do|explain|create|alter|drop|grant|revoke|table|values|prepare|execute|lock|show)\b/i.test(line))) {
    return 'sql';
  }
  if (lines.length > 0 && lines.every((line) => line.startsWith('--'))) return 'sql';
  if (lines.length > 0 && lines.every((line) => line.startsWith('#'))) return 'sh';
  return '';
}
