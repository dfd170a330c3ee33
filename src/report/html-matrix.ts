import type { ReportAccessCell, ReportAccessMatrix } from '../core/report.ts';
import { esc, formatCount } from './html-escape.ts';

/**
 * The access matrix of the HTML report: one row per relation, one column per (tenant,
 * operation), each cell the outcome of the attack phase's live attempt. The outcome is written
 * in the cell (colour is a second signal, never the only one) and the cell's `title` carries
 * the detail. A pure function of `report.accessMatrix`.
 */

type Outcome = ReportAccessCell['outcome'];

const outcomes: { outcome: Outcome; text: string; meaning: string }[] = [
  { outcome: 'leaked', text: 'leaked', meaning: "read or changed another tenant's rows" },
  { outcome: 'allowed', text: 'allowed', meaning: "could do it on its own rows, and on no other tenant's" },
  { outcome: 'blocked', text: 'blocked', meaning: 'could not do it at all (no privilege, or every attempt refused)' },
  { outcome: 'not-tested', text: 'not tested', meaning: 'the harness had no way to try it (see the cell for why)' },
];
const textOf = new Map(outcomes.map((o) => [o.outcome, o.text]));

/** The access matrix section body, or a note saying why there is none. */
export function renderAccessMatrix(matrix: ReportAccessMatrix | undefined, phaseNote: string): string {
  if (!matrix) return `<p class="muted">${esc(phaseNote)}</p>`;
  if (matrix.relations.length === 0 || matrix.tenants.length === 0) return '<p class="muted">The attack phase found no relation on the attack surface to try.</p>';
  const byKey = new Map(matrix.cells.map((c) => [`${c.tenant}\u0000${c.relation}\u0000${c.operation}`, c]));
  const totals = new Map<Outcome, number>(outcomes.map((o) => [o.outcome, 0]));
  for (const c of matrix.cells) totals.set(c.outcome, (totals.get(c.outcome) ?? 0) + 1);
  const tenantName = (index: number) => `tenant #${index}`;

  const head1 = matrix.tenants
    .map((t) => `<th scope="colgroup" colspan="${matrix.operations.length}" class="tenant-head" title="${esc(t.id)}">${esc(tenantName(t.index))}</th>`)
    .join('');
  const head2 = matrix.tenants.map(() => matrix.operations.map((op, i) => `<th scope="col" class="op${i === 0 ? ' group-start' : ''}">${esc(op)}</th>`).join('')).join('');

  const leaking: string[] = [];
  const rows = matrix.relations.map((relation) => {
    let leaks = 0;
    const leakedOps = new Map<number, string[]>();
    const cells = matrix.tenants.map((t) =>
      matrix.operations
        .map((op, i) => {
          const cell = byKey.get(`${t.index}\u0000${relation}\u0000${op}`);
          const start = i === 0 ? ' group-start' : '';
          if (!cell) return `<td class="cell o-missing${start}" title="${esc(`${tenantName(t.index)} · ${op} on ${relation}: no result recorded`)}">—</td>`;
          if (cell.outcome === 'leaked') {
            leaks++;
            leakedOps.set(t.index, [...(leakedOps.get(t.index) ?? []), op]);
          }
          const title = `${tenantName(t.index)} · ${op} on ${relation}: ${textOf.get(cell.outcome) ?? cell.outcome}${cell.detail ? ` — ${cell.detail}` : ''}`;
          return `<td class="cell o-${esc(cell.outcome)}${start}" data-outcome="${esc(cell.outcome)}" title="${esc(title)}">${esc(textOf.get(cell.outcome) ?? cell.outcome)}</td>`;
        })
        .join(''),
    );
    const who = [...leakedOps].map(([tenant, ops]) => `${tenantName(tenant)} (${ops.join(', ')})`).join('; ');
    if (leaks > 0) leaking.push(`<li><code>${esc(relation)}</code>: ${esc(who)}</li>`);
    return `<tr${leaks > 0 ? ' class="row-leak"' : ''}><th scope="row"><code>${esc(relation)}</code></th>${cells.join('')}<td class="num leaks">${leaks > 0 ? `<strong>${leaks}</strong>` : '0'}</td></tr>`;
  });

  const leakedCount = totals.get('leaked') ?? 0;
  const summary = `<p class="matrix-summary">${outcomes.map((o) => `<span class="badge o-${o.outcome}">${formatCount(totals.get(o.outcome) ?? 0)} ${esc(o.text)}</span>`).join(' ')} across ${formatCount(matrix.relations.length)} relation(s), ${formatCount(matrix.tenants.length)} tenant(s) and ${esc(matrix.operations.join(', '))}.</p>`;
  const leakList =
    leakedCount > 0
      ? `<div class="callout callout-fail"><strong>${formatCount(leakedCount)} cross-tenant access(es) succeeded</strong> in ${formatCount(leaking.length)} relation(s):<ul>${leaking.join('')}</ul></div>`
      : '<div class="callout callout-pass">No tenant read or changed another tenant\u2019s rows in any relation tried.</div>';
  const legendItems = outcomes.map((o) => `<li><span class="cell-sample o-${o.outcome}">${esc(o.text)}</span> ${esc(o.meaning)}</li>`).join('');
  const table = `<div class="table-wrap"><table class="matrix"><caption>What each tenant, acting as the application, could do with each relation. Hover a cell for the detail.</caption><thead><tr><th scope="col" rowspan="2">relation</th>${head1}<th scope="col" rowspan="2" class="num">leaks</th></tr><tr>${head2}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  return `${summary}${leakList}${table}<ul class="legend matrix-legend">${legendItems}</ul>`;
}
