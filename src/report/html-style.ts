/**
 * The HTML report's one stylesheet and its one script, inlined by html.ts (the page loads
 * nothing). Colours always come with a word (badges, cells, legends), so nothing is told by
 * colour alone. The script only adds "expand all / collapse all" buttons, opens every section
 * before printing and opens a check linked by `#check-<id>`; the page reads fully without it.
 */

/** Inline CSS of the report page. */
export const reportCss = `
:root{--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--subtle:#f6f8fa;--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;--accent:#0969da;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:#fff;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif}
.page{max-width:1240px;margin:0 auto;padding:0 24px 48px}
header.top{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 16px;padding:18px 0 12px;border-bottom:1px solid var(--border)}
header.top .brand{font-weight:700;font-size:17px;letter-spacing:.2px}
header.top .scenario{font-size:17px}
header.top .meta{color:var(--muted);font-size:13px;margin-left:auto}
h2{font-size:21px;margin:36px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--border)}
h3{font-size:16px;margin:24px 0 8px}
h5{font-size:12px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);margin:14px 0 4px}
p{margin:8px 0}
code,pre{font-family:var(--mono);font-size:12.5px}
code{background:var(--subtle);border:1px solid #e6eaef;border-radius:4px;padding:0 4px}
pre.code{background:var(--subtle);border:1px solid var(--border);border-radius:6px;padding:10px 12px;margin:0;overflow:auto;max-height:420px;white-space:pre;line-height:1.45}
.muted{color:var(--muted)}.small{font-size:12.5px}.strong{font-weight:700}
.verdict{display:flex;align-items:stretch;margin:20px 0 10px;border:1px solid;border-radius:8px;overflow:hidden}
.verdict .word{display:flex;align-items:center;justify-content:center;min-width:200px;padding:18px 24px;color:#fff;font-size:30px;font-weight:800;letter-spacing:2px}
.verdict .text{padding:14px 20px}
.verdict .reason{font-size:18px;font-weight:600;margin:0 0 4px}
.verdict .sub{margin:0;color:var(--muted);font-size:13.5px}
.verdict-pass{border-color:var(--pass);background:var(--pass-bg)}.verdict-pass .word{background:var(--pass)}
.verdict-fail{border-color:var(--fail);background:var(--fail-bg)}.verdict-fail .word{background:var(--fail)}
.verdict-inconclusive{border-color:var(--warn);background:var(--warn-bg)}.verdict-inconclusive .word{background:var(--warn)}
.incomplete{margin:10px 0;padding:12px 16px;border:2px solid var(--warn);border-radius:8px;background:repeating-linear-gradient(135deg,#fff8c5 0 14px,#fff3a8 14px 28px)}
.incomplete .tag{display:inline-block;background:#1f2328;color:#fff8c5;font-weight:800;letter-spacing:1.5px;padding:2px 10px;border-radius:4px;margin-right:8px}
nav.toc{display:flex;flex-wrap:wrap;align-items:center;gap:6px 18px;margin:14px 0 0;padding:8px 12px;background:var(--subtle);border:1px solid var(--border);border-radius:8px;font-size:14px}
nav.toc a{color:var(--accent);text-decoration:none}nav.toc a:hover{text-decoration:underline}
#toolbar{margin-left:auto;display:flex;gap:6px}#toolbar:empty{display:none}
#toolbar button{font:inherit;font-size:12.5px;padding:2px 10px;border:1px solid var(--border);border-radius:6px;background:#fff;cursor:pointer}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:8px 0}
dl.facts dt{color:var(--muted);font-size:13px;padding-top:1px}dl.facts dd{margin:0;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid var(--border);border-radius:8px;padding:8px 14px;min-width:92px;background:#fff}
.card .n{font-size:22px;font-weight:700;line-height:1.2}.card .l{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.5px}
.card.zero .n{color:#8c959f}
.card.sev-critical{border-top:4px solid #82071e}.card.sev-high{border-top:4px solid #cf222e}.card.sev-medium{border-top:4px solid #bc4c00}.card.sev-low{border-top:4px solid #bf8700}.card.sev-info{border-top:4px solid #0969da}
.badge{display:inline-block;font-size:11.5px;font-weight:600;line-height:18px;padding:0 7px;border-radius:10px;border:1px solid transparent;white-space:nowrap;vertical-align:1px}
.sev-critical.badge{background:#82071e;color:#fff}.sev-high.badge{background:#cf222e;color:#fff}.sev-medium.badge{background:#bc4c00;color:#fff}
.sev-low.badge{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}.sev-info.badge{background:#ddf4ff;color:#0550ae;border-color:#80ccff}
.v-pass.badge{background:var(--pass-bg);color:#116329;border-color:#4ac26b}.v-fail.badge{background:var(--fail-bg);color:#a40e26;border-color:#ff8182}.v-inconclusive.badge{background:var(--warn-bg);color:#7d4e00;border-color:#d4a72c}
.b-kind,.b-muted{background:var(--subtle);color:var(--muted);border-color:var(--border)}
.b-suppressed{background:#eaeef2;color:#424a53;border-color:#afb8c1;text-decoration:line-through}
.b-existing{background:#eaeef2;color:#424a53;border-color:#afb8c1}.b-new{background:#fbefff;color:#8250df;border-color:#d8b9ff}.b-confirmed{background:#ffebe9;color:#a40e26;border-color:#ff8182}
.table-wrap{overflow-x:auto;margin:10px 0;border:1px solid var(--border);border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:13.5px}
caption{caption-side:top;text-align:left;padding:8px 12px;color:var(--muted);font-size:13px;border-bottom:1px solid var(--border)}
table.data th,table.data td{padding:6px 10px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
table.data thead th{background:var(--subtle);font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);font-weight:600;white-space:nowrap}
table.data tbody tr:last-child>*{border-bottom:0}
table td.num,table th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.callout{margin:10px 0;padding:10px 14px;border-radius:8px;border:1px solid}
.callout-pass{background:var(--pass-bg);border-color:#4ac26b}.callout-fail{background:var(--fail-bg);border-color:#ff8182}.callout-warn{background:var(--warn-bg);border-color:#d4a72c}
.callout ul{margin:6px 0 0;padding-left:20px}
details>summary{cursor:pointer}
details.check-group>summary,details.finding>summary{list-style:none;position:relative;padding-left:30px}
details.check-group>summary::-webkit-details-marker,details.finding>summary::-webkit-details-marker{display:none}
details.check-group>summary::before,details.finding>summary::before{content:'\\25B8';position:absolute;left:12px;top:var(--mt,10px);color:var(--fg);font-size:14px}
details.check-group[open]>summary::before,details.finding[open]>summary::before{content:'\\25BE'}
details.finding>summary{--mt:0px;padding-left:18px}details.finding>summary::before{left:0}
details.check-group{border:1px solid var(--border);border-radius:8px;margin:10px 0;background:#fff}
details.check-group>summary{padding:10px 14px 10px 30px}
details.check-group[open]>summary{border-bottom:1px solid var(--border);background:var(--subtle);border-radius:8px 8px 0 0}
.summary-title{font-weight:600}
.count{color:var(--muted);font-size:13px;margin-left:4px}
.check-meta{padding:8px 16px 0}
.remediation{background:#f0f7ff;border-left:3px solid var(--accent);padding:6px 10px;border-radius:0 6px 6px 0}
ol.findings{margin:8px 0 12px;padding:0 16px 0 40px}
ol.findings>li{margin:6px 0}
details.finding{border:1px solid #eaeef2;border-radius:6px;padding:6px 10px}
details.finding[open]{border-color:var(--border);box-shadow:0 1px 3px rgba(31,35,40,.08)}
details.finding>summary .message{margin-left:2px}
code.location{margin-left:6px;color:#0550ae}
.finding-body{padding:6px 0 4px}
.is-suppressed>summary .message,.is-existing>summary .message{color:var(--muted)}
.is-suppressed{background:repeating-linear-gradient(135deg,#fff 0 10px,#f6f8fa 10px 20px)}
ul.inconclusive{padding-left:0;list-style:none}ul.inconclusive li{border:1px solid #d4a72c;background:var(--warn-bg);border-radius:8px;padding:8px 12px;margin:8px 0}
ul.inconclusive .reason{margin-top:4px;font-family:var(--mono);font-size:12.5px}
details.passed{margin:14px 0}details.passed>summary{padding:6px 0}
ul.passed-list{columns:2 420px;padding-left:20px;font-size:13.5px}
ul.plain{padding-left:20px}
table.index td,table.index th{vertical-align:middle}table.index a{color:var(--accent);text-decoration:none;font-weight:600}table.index a:hover{text-decoration:underline}
details.raw{margin:8px 0}details.raw>summary{color:var(--muted);font-size:13px}
table.matrix{width:auto;min-width:100%;font-size:12.5px}
table.matrix th,table.matrix td{padding:4px 6px;border-bottom:1px solid #eaeef2;white-space:nowrap}
table.matrix thead th{background:var(--subtle);font-weight:600;text-align:center}
table.matrix th.op{font-weight:500;color:var(--muted);font-size:11.5px}
table.matrix tbody th{text-align:left;font-weight:500;position:sticky;left:0;background:#fff;z-index:1}
table.matrix .group-start{border-left:2px solid var(--border)}
table.matrix td.cell{text-align:center;min-width:64px}
tr.row-leak>th{box-shadow:inset 4px 0 0 var(--fail)}
.o-leaked{background:#cf222e;color:#fff;font-weight:700}.o-allowed{background:var(--pass-bg);color:#116329}
.o-blocked{background:#eef1f4;color:#424a53}.o-not-tested,.o-missing{background:repeating-linear-gradient(135deg,#fff 0 5px,#f0f2f4 5px 10px);color:#6e7781;font-style:italic}
.badge.o-not-tested{background:#f6f8fa;border-color:var(--border)}
.matrix-summary .badge{font-size:12.5px;padding:1px 9px}
.cell-sample{display:inline-block;min-width:78px;text-align:center;padding:1px 6px;border-radius:4px;font-size:12px;margin-right:8px;border:1px solid var(--border)}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:8px 0;font-size:13px;color:var(--muted)}
ul.legend li{display:flex;align-items:center}
.swatch{display:inline-block;width:14px;height:12px;border-radius:3px;margin-right:6px;background:var(--c)}
.s-alone{--c:#6e7781}.s-off{--c:#cf222e}.s-on{--c:#0969da}
.swatch.s-mark-baseline{height:3px;background:#1f2328;border-radius:0}.swatch.s-mark-budget{height:0;background:none;border-top:2px dashed #9a6700;border-radius:0}
.swatch.s-whisker{width:8px;height:14px;background:none;border-left:1.5px solid #1f2328;border-radius:0;margin-left:6px}
figure.chart-figure{margin:12px 0 18px;padding:12px;border:1px solid var(--border);border-radius:8px;overflow-x:auto}
figure.chart-figure figcaption{font-size:12.5px;color:var(--muted);margin-top:4px}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:8px 20px}
.panels svg.chart{width:100%;height:auto}
h4.panel-row{font-size:13px;margin:10px 0 4px;color:var(--fg)}h4.panel-row:first-child{margin-top:0}
svg.chart{display:block;max-width:100%;height:auto;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif}
svg .grid{stroke:#eaeef2;stroke-width:1}svg .axis{stroke:#8c959f;stroke-width:1}
svg .tick{font-size:10px;fill:#59636e}svg .axis-label{font-size:10.5px;fill:#424a53}svg .panel-title{font-size:12.5px;font-weight:600;fill:#1f2328}
svg .group-label{font-size:11px;fill:#1f2328}svg .bar-value{font-size:10.5px;font-weight:600;fill:#1f2328}
svg .hist{fill:var(--c);fill-opacity:.16;stroke:var(--c);stroke-width:1.5;stroke-linejoin:round}
svg .ladder{fill:none;stroke:var(--c);stroke-width:1.5}svg .dot{fill:var(--c)}
svg .bar{fill:var(--c);fill-opacity:.85}svg .whisker{stroke:#1f2328;stroke-width:1.2}
svg .mark.s-mark-baseline{stroke:#1f2328;stroke-width:2.5}svg .mark.s-mark-budget{stroke:#9a6700;stroke-width:2;stroke-dasharray:4 3}
details.load-step{margin:8px 0}details.load-step>summary{padding:4px 0}
tr.reasons-row>td{padding-top:0}details.reasons>summary{color:var(--muted);font-size:12.5px}details.reasons ul{margin:4px 0;padding-left:18px;font-size:12.5px}
table.load-steps thead th{white-space:normal;vertical-align:bottom}table.load-steps th,table.load-steps td{padding:6px 8px}.sub-num{display:block;color:var(--muted);font-size:11.5px;font-weight:400}table.load-steps tbody th{white-space:nowrap}table.load-steps tr.step-row:has(+tr.reasons-row)>*{border-bottom:0}
footer{margin-top:40px;padding-top:10px;border-top:1px solid var(--border);color:var(--muted);font-size:12.5px}
@media print{#toolbar{display:none}.page{max-width:none;padding:0}pre.code{max-height:none;white-space:pre-wrap}details.check-group,figure.chart-figure{break-inside:avoid}}
`.trim();

/** Inline script: expand/collapse all, open everything before printing, open a linked check. */
export const reportScript = `
(function(){
  var all=function(){return document.querySelectorAll('details');};
  var bar=document.getElementById('toolbar');
  function add(label,open){var b=document.createElement('button');b.type='button';b.textContent=label;b.addEventListener('click',function(){all().forEach(function(d){d.open=open;});});bar.appendChild(b);}
  if(bar){add('Expand all',true);add('Collapse all',false);}
  window.addEventListener('beforeprint',function(){all().forEach(function(d){d.open=true;});});
  function openTarget(){var id=decodeURIComponent(location.hash.slice(1));var t=id&&document.getElementById(id);if(t&&t.tagName==='DETAILS')t.open=true;}
  window.addEventListener('hashchange',openTarget);openTarget();
})();
`.trim();
