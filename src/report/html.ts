/**
 * The single-file HTML view of a Report, for handing to a colleague, a change board or a storage
 * vendor. Pure: `(report, options) => string` (the command passes in the documentation pages).
 *
 * - Self-contained: inline CSS and JS, no URL the browser would fetch (no fonts, images or
 *   favicon: labs are air-gapped). A built-in check's documentation page is embedded (a safe
 *   Markdown subset, ./markdown.ts); http(s) documentation addresses are plain links.
 * - The plan first (`report.plan`): "N actions clear M failures", then each action in order with
 *   where it runs, its flags, links to the findings it clears and to the actions it waits for, and
 *   its commands with copy buttons (./plan-view.ts has the words both views share).
 * - For people: an overview picture (inline SVG, ./overview.ts), the start time in UTC and in the
 *   local time where the report was written (./time.ts; the script adds the reader's), and per
 *   area what to act on (error, fail, warn) apart from what was not evaluated (skipped).
 * - A Content-Security-Policy meta tag allows only this file's own style and script, by hash:
 *   even a string that escaped escaping could not run.
 * - Every string from a server, a config or a user is escaped; control characters are shown as
 *   \xNN, as in the terminal.
 * - Readable with JavaScript off: findings are <details>, problems open. Filters, search and copy
 *   buttons are progressive enhancement (the buttons show only once the script marks the page).
 *   Printing expands everything and hides the controls. Copy uses the clipboard API, and without
 *   it selects the command for Ctrl+C.
 * - Thousands of findings: content-visibility lets the browser skip laying out what is off screen,
 *   and the script touches no finding until a filter is used.
 * - Light and dark (prefers-color-scheme).
 */
import { createHash } from 'node:crypto';
import type {
  Change,
  Command,
  DiffEntry,
  Finding,
  FindingStatus,
  RemediationStep,
  Report,
  Shell,
  Summary,
} from '../engine/report.ts';
import { STATUS_ORDER, compareStatus } from './status.ts';
import { escapeHtml } from './escape.ts';
import { renderMarkdown } from './markdown.ts';
import { overviewSvg } from './overview.ts';
import { actionFlags, outsideText, planCounts, planHeading, runsOnText } from './plan-view.ts';
import { startedLine } from './time.ts';

const LABEL: Record<FindingStatus, string> = {
  error: 'ERROR',
  fail: 'FAIL',
  warn: 'WARN',
  waived: 'WAIVED',
  skipped: 'SKIPPED',
  pass: 'PASS',
};
const SHELL_NAME: Record<Shell, string> = { powershell: 'PowerShell', cmd: 'cmd', sh: 'shell' };
const CHANGE_LABEL: Record<Change, string> = {
  new: 'new',
  fixed: 'fixed',
  regressed: 'regressed',
  changed: 'changed',
  unchanged: 'unchanged',
  gone: 'gone',
};

export { escapeHtml };

const h = escapeHtml;

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1d2127;--muted:#5b6470;--line:#d8dde3;--card:#f6f8fa;--code:#eef1f4;
--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--error:#8250df;--waived:#0969da;--skipped:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9199a3;--line:#30363d;--card:#161b22;--code:#1f252d;
--pass:#3fb950;--warn:#d29922;--fail:#f85149;--error:#bc8cff;--waived:#58a6ff;--skipped:#8b949e}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:1rem 1.25rem 3rem;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:.8rem 0 .3rem}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--code);padding:.5rem .7rem;border-radius:4px;overflow-x:auto;white-space:pre-wrap;word-break:break-word;margin:.2rem 0}
a{color:var(--waived)}
.verdict{border-left:6px solid var(--skipped);padding:.4rem .9rem;background:var(--card);border-radius:4px}
.verdict.v-pass{border-color:var(--pass)}.verdict.v-warn{border-color:var(--warn)}.verdict.v-fail{border-color:var(--fail)}.verdict.v-error,.verdict.v-cancelled{border-color:var(--error)}
.counts{display:flex;flex-wrap:wrap;gap:.4rem;margin:.5rem 0 0;padding:0;list-style:none}
.counts li{padding:.1rem .55rem;border-radius:999px;border:1px solid var(--line);font-weight:600}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.8rem 0}
.meta dt{color:var(--muted)}.meta dd{margin:0}
.badge{display:inline-block;min-width:5.2em;text-align:center;font-weight:700;font-size:.75rem;padding:.05rem .35rem;border-radius:3px;color:#fff;background:var(--skipped);margin-right:.4rem}
.s-pass .badge,.c-pass{background:var(--pass)}.s-warn .badge,.c-warn{background:var(--warn)}.s-fail .badge,.c-fail{background:var(--fail)}
.s-error .badge,.c-error{background:var(--error)}.s-waived .badge,.c-waived{background:var(--waived)}.s-skipped .badge,.c-skipped{background:var(--skipped)}
.counts .c-pass,.counts .c-warn,.counts .c-fail,.counts .c-error,.counts .c-waived,.counts .c-skipped{color:#fff;border-color:transparent}
.change{font-size:.72rem;border:1px solid var(--line);border-radius:3px;padding:0 .3rem;margin-left:.4rem;color:var(--muted)}
.change.ch-new,.change.ch-regressed{color:var(--fail);border-color:var(--fail)}.change.ch-fixed{color:var(--pass);border-color:var(--pass)}
details.finding{border:1px solid var(--line);border-radius:4px;margin:.35rem 0;background:var(--bg);content-visibility:auto;contain-intrinsic-size:auto 3.2rem}
details.finding>summary{cursor:pointer;padding:.35rem .6rem;list-style-position:outside}
details.finding>summary .id{font-weight:600}details.finding>summary .subject{color:var(--muted)}
details.finding>summary .msg{display:block;margin-left:5.8em}
.body{padding:.2rem .9rem .7rem;border-top:1px solid var(--line)}
.fix ol{margin:.2rem 0 .4rem;padding-left:1.4rem}.fix li{margin:.35rem 0}
.cmd{margin:.25rem 0}.cmd .where{color:var(--muted);font-size:.8rem}
.cmd button{display:none;float:right;font-size:.75rem;margin:.15rem 0 0 .4rem;cursor:pointer}.js .cmd button{display:inline-block}
.waiver{border-left:3px solid var(--waived);padding:.2rem .6rem;background:var(--card)}
details.evidence>summary{cursor:pointer;color:var(--muted)}
.ev dt{font-weight:600;margin-top:.3rem}.ev dd{margin:0 0 0 .5rem}
table{border-collapse:collapse;margin:.3rem 0;font-size:.85rem;width:100%}
th,td{border:1px solid var(--line);padding:.2rem .4rem;text-align:left;vertical-align:top}
th{background:var(--card)}tr.bad td{color:var(--fail)}
#controls{position:sticky;top:0;z-index:1;background:var(--bg);border-bottom:1px solid var(--line);padding:.5rem 0;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
#controls[hidden]{display:none}
#controls label{white-space:nowrap}#controls input[type=search]{min-width:16rem;padding:.2rem .4rem}
.diff ul{margin:.2rem 0;padding-left:1.3rem}.diff summary{cursor:pointer}.diff summary h3{display:inline}
.docs{font-size:.85rem;color:var(--muted)}
.overview{max-width:100%;height:auto;margin:.6rem 0 0;font-size:13px}.overview text{fill:var(--fg)}.overview text.n{fill:var(--muted)}
.bar-pass{fill:var(--pass)}.bar-warn{fill:var(--warn)}.bar-fail{fill:var(--fail)}.bar-error{fill:var(--error)}.bar-waived{fill:var(--waived)}.bar-skipped{fill:var(--skipped)}
#docs details.doc{border:1px solid var(--line);border-radius:4px;margin:.35rem 0;scroll-margin-top:6rem}#docs details.doc>summary{cursor:pointer;padding:.35rem .6rem;font-weight:600}
#docs .md{padding:0 .9rem .6rem;border-top:1px solid var(--line)}#docs .md h3{font-size:1.05rem}#docs .md h4{font-size:.95rem;margin:.8rem 0 .3rem}
.empty{color:var(--muted);font-style:italic}
.plan{border:1px solid var(--line);border-radius:4px;padding:0 .9rem .5rem;margin:1rem 0;background:var(--card)}.plan h2{margin-top:.8rem}
.plan ol.actions{padding-left:1.6rem;margin:.3rem 0}.plan li.action{margin:.6rem 0 1rem;scroll-margin-top:1rem}.plan li.action>h3{margin:.2rem 0}
.plan p{margin:.2rem 0}.plan .runs{color:var(--muted)}.plan .subject{color:var(--muted)}.plan .after ul{margin:.1rem 0;padding-left:1.3rem}.plan li.action>ol{padding-left:1.3rem}
.flag{font-size:.75rem;font-weight:600;border:1px solid var(--warn);color:var(--warn);border-radius:3px;padding:0 .3rem;margin-left:.3rem;white-space:nowrap}.flag.fl-irreversible{border-color:var(--fail);color:var(--fail)}
.plan-error{border-left:3px solid var(--warn);padding:.2rem .6rem}
@media print{#controls,.cmd button,.js .cmd button,#docs{display:none!important}body{max-width:none;font-size:11pt}details.finding{content-visibility:visible}
details>summary{list-style:none}details::details-content{content-visibility:visible;display:block}
details.finding,.plan li.action{break-inside:avoid-page}.plan{background:none}pre{white-space:pre-wrap}a{color:inherit}}
`.trim();

const SCRIPT = `
(function(){
var d=document,controls=d.getElementById('controls');
var tv=d.getElementById('t-viewer');if(tv){var at=new Date(tv.getAttribute('data-iso'));if(!isNaN(at.getTime())){
  var p=function(n){return(n<10?'0':'')+n},o=-at.getTimezoneOffset(),ao=Math.abs(o);
  tv.textContent='; '+at.getFullYear()+'-'+p(at.getMonth()+1)+'-'+p(at.getDate())+' '+p(at.getHours())+':'+p(at.getMinutes())+':'+p(at.getSeconds())+' '+(o?'UTC'+(o<0?'-':'+')+p(ao/60|0)+':'+p(ao%60):'UTC')+' where you are reading this'}}
function reveal(){var t=null;try{t=location.hash&&d.getElementById(decodeURIComponent(location.hash.slice(1)))}catch(e){}if(t&&t.tagName==='DETAILS')t.open=true}
window.addEventListener('hashchange',reveal);reveal();
if(!controls)return;
var findings=[].slice.call(d.querySelectorAll('details.finding'));
var areas=[].slice.call(d.querySelectorAll('section.area'));
var boxes=[].slice.call(controls.querySelectorAll('input[name=status]'));
var area=d.getElementById('f-area'),search=d.getElementById('f-text'),shown=d.getElementById('f-shown');
var texts=null,timer=0;
function apply(){
  var on={};boxes.forEach(function(b){on[b.value]=b.checked});
  var a=area.value,q=search.value.trim().toLowerCase(),n=0;
  if(q&&!texts)texts=findings.map(function(f){return f.textContent.toLowerCase()});
  findings.forEach(function(f,i){
    var show=on[f.getAttribute('data-status')]&&(!a||f.getAttribute('data-area')===a)&&(!q||texts[i].indexOf(q)>=0);
    f.hidden=!show;if(show)n++;
  });
  areas.forEach(function(s){s.hidden=!s.querySelector('details.finding:not([hidden])')});
  shown.textContent=n+' of '+findings.length+' shown';
}
boxes.forEach(function(b){b.addEventListener('change',apply)});
area.addEventListener('change',apply);
search.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(apply,120)});
d.getElementById('f-open').addEventListener('click',function(){findings.forEach(function(f){if(!f.hidden)f.open=true})});
d.getElementById('f-close').addEventListener('click',function(){findings.forEach(function(f){f.open=false})});
function copy(code,btn){
  function done(ok){btn.textContent=ok?'Copied':'Selected: press Ctrl+C';setTimeout(function(){btn.textContent='Copy'},ok?1500:4000)}
  function fallback(){var r=d.createRange(),s=window.getSelection(),ok=false;r.selectNodeContents(code);s.removeAllRanges();s.addRange(r);try{ok=d.execCommand('copy')}catch(e){}done(ok)}
  if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(code.textContent).then(function(){done(true)},fallback)}else fallback();
}
d.addEventListener('click',function(e){var b=e.target;if(b&&b.classList&&b.classList.contains('copy')){var c=b.parentNode.querySelector('code');if(c)copy(c,b)}});
var closed=[];
window.addEventListener('beforeprint',function(){closed=[].slice.call(d.querySelectorAll('details:not([open])'));closed.forEach(function(x){x.open=true})});
window.addEventListener('afterprint',function(){closed.forEach(function(x){x.open=false});closed=[]});
d.documentElement.className+=' js';shown.textContent=findings.length+' of '+findings.length+' shown';controls.hidden=false;
})();
`.trim();

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The CSP: nothing but this file's own style and script (by hash), and data: for the empty icon. */
export const HTML_CSP = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;

function countStatuses(findings: readonly Finding[]): Summary {
  const counts: Summary = { pass: 0, warn: 0, fail: 0, skipped: 0, error: 0, waived: 0 };
  for (const f of findings) if (Object.hasOwn(counts, f.status)) counts[f.status] += 1;
  return counts;
}

function worst(findings: readonly Finding[]): FindingStatus {
  return findings.map((f) => f.status).sort(compareStatus)[0] ?? 'pass';
}

function isPrSteps(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((s) => s !== null && typeof s === 'object' && 'command' in s && ('expected' in s || 'got' in s))
  );
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return h(typeof value === 'string' ? value : JSON.stringify(value));
}

function senseText(sense: unknown): string {
  if (!sense || typeof sense !== 'object') return '';
  const s = sense as { senseKey?: number; asc?: number; ascq?: number; name?: string };
  const hex = (n: number | undefined) => (n === undefined ? '--' : n.toString(16).padStart(2, '0').toUpperCase());
  return `${hex(s.senseKey)}/${hex(s.asc)}/${hex(s.ascq)}${s.name ? ` ${s.name}` : ''}`;
}

function stepsTable(steps: readonly Record<string, unknown>[]): string {
  const rows = steps.map((s, i) => {
    const ok = s.ok === true;
    return `<tr${s.ok === false ? ' class="bad"' : ''}><td>${i + 1}</td><td>${cell(s.step)}</td><td>${cell(s.by)}</td><td><code>${cell(s.command)}</code></td><td>${cell(s.expected)}</td><td>${cell(s.got)}</td><td>${h(senseText(s.sense))}</td><td>${s.ok === undefined ? '' : ok ? 'ok' : 'FAILED'}</td></tr>`;
  });
  return `<table class="steps"><thead><tr><th>#</th><th>step</th><th>by</th><th>command</th><th>expected</th><th>got</th><th>sense (key/ASC/ASCQ)</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Raw values as JSON: on one line when short, a record a line for lists, indented otherwise. */
function rawJson(value: unknown): string {
  const compact = JSON.stringify(value) ?? String(value);
  if (compact.length <= 100) return compact;
  // A list of records (designators, keys, DCs): one record a line.
  if (Array.isArray(value)) {
    const items = value.map((v) => JSON.stringify(v) ?? 'null');
    if (items.every((i) => i.length <= 160)) return `[\n ${items.join(',\n ')}\n]`;
  }
  return JSON.stringify(value, null, 1) ?? compact;
}

function evidenceHtml(evidence: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(evidence).map(([key, value]) => {
    const shown = isPrSteps(value)
      ? stepsTable(value)
      : `<pre>${h(typeof value === 'string' ? value : rawJson(value))}</pre>`;
    return `<dt>${h(key)}</dt><dd>${shown}</dd>`;
  });
  return `<details class="evidence"><summary>Evidence (what was seen)</summary><dl class="ev">${parts.join('')}</dl></details>`;
}

function remediationHtml(f: Finding): string {
  const r = f.remediation!;
  return `<div class="fix"><h3>Fix: ${h(r.summary)}</h3>${stepsHtml(r.steps)}</div>`;
}

/** A command as a block of selectable text, its shell named, with a copy button (shown only with script). */
function commandHtml(c: Command): string {
  return `<div class="cmd" data-shell="${h(c.shell)}"><button type="button" class="copy">Copy</button><span class="where">${h(SHELL_NAME[c.shell] ?? c.shell)}${c.runOn ? ` · on ${h(c.runOn)}` : ''}</span><pre><code>${h(c.command)}</code></pre></div>`;
}

function stepsHtml(steps: readonly RemediationStep[]): string {
  return `<ol>${steps.map((step) => `<li>${h(step.text)}${(step.commands ?? []).map(commandHtml).join('')}</li>`).join('')}</ol>`;
}

/** The id of a plan's action in the page (its position: keys are stable, but may hold any character). */
function actionId(n: number): string {
  return `a-${n + 1}`;
}

/**
 * The plan, first in the page: "N actions clear M failures", then each action in order with where
 * it runs, its flags, the findings it clears (links to them), what it waits for and why, and its
 * steps with the commands. A plan that could not be ordered says why; none, or an empty one, is
 * not shown.
 */
function planHtml(report: Report): string {
  const plan = report.plan;
  if (!plan) return '';
  if (plan.error !== undefined)
    return `<section class="plan" id="plan"><h2>What to do</h2><p class="plan-error">No order could be given: ${h(plan.error)}</p></section>`;
  if (plan.actions.length === 0) return '';
  const counts = planCounts(report);
  const position = new Map(plan.actions.map((a, n) => [a.key, n]));
  const actions = plan.actions.map((a, n) => {
    const flags = actionFlags(a)
      .map((f) => ` <span class="flag fl-${f.kind}">${h(f.text)}</span>`)
      .join('');
    const clears = a.resolves.map((r) => {
      const f = report.findings[r.finding];
      const what = `${h(r.checkId)}${r.subject !== undefined ? ` <span class="subject">· ${h(r.subject)}</span>` : ''}`;
      // A hand-edited report may point past its findings: then the name, without a dead link.
      return f && f.checkId === r.checkId ? `<a href="#f-${r.finding}">${what}</a>` : what;
    });
    const deps = a.dependsOn.map((d) => {
      const at = position.get(d.key);
      const name =
        at === undefined ? h(d.key) : `<a href="#${actionId(at)}">${at + 1}. ${h(plan.actions[at]!.title)}</a>`;
      return `<li>${name}: ${h(d.why)}</li>`;
    });
    return `<li class="action" id="${actionId(n)}" data-key="${h(a.key)}"><h3>${h(a.title)}</h3><p class="runs">${h(runsOnText(a.runsOn))}${flags}</p><p class="clears">Clears ${clears.join(', ')}</p>${deps.length > 0 ? `<div class="after">After:<ul>${deps.join('')}</ul></div>` : ''}${stepsHtml(a.steps)}</li>`;
  });
  const outside = outsideText(counts);
  return `<section class="plan" id="plan"><h2>${h(planHeading(counts))}</h2><p class="docs">What to do, in this order; each action's findings are below.${outside ? ` ${h(outside)}` : ''} <code>clusterprobe fix --from report.json</code> (this report saved with <code>--json</code>) writes the plan as one script: PowerShell, or <code>--shell sh</code> for Samba and tgt.</p><ol class="actions">${actions.join('')}</ol></section>`;
}

/** The id of a check's embedded documentation page. */
function docId(checkId: string): string {
  return `doc-${checkId}`;
}

function docsHtml(f: Finding, embedded: ReadonlySet<string>): string {
  const docs = f.docs!;
  // A repository path means nothing to a reader of a handed-over file: the page is embedded at
  // the end of the file when the command passed it in; only URLs become links.
  if (/^https?:\/\//i.test(docs))
    return `<p class="docs">Docs: <a href="${h(docs)}" rel="noreferrer">${h(docs)}</a></p>`;
  if (embedded.has(f.checkId))
    return `<p class="docs">Docs: <a href="#${h(docId(f.checkId))}">${h(f.checkId)}, in this file</a></p>`;
  return `<p class="docs">Docs: ${h(docs)} (in clusterprobe's documentation)</p>`;
}

function docsSection(docs: ReadonlyMap<string, string>): string {
  if (docs.size === 0) return '';
  const pages = [...docs].map(
    ([checkId, markdown]) =>
      `<details class="doc" id="${h(docId(checkId))}"><summary>${h(checkId)}</summary><div class="md">${renderMarkdown(markdown)}</div></details>`,
  );
  return `<section id="docs"><h2>Check documentation</h2><p class="docs">The documentation page of each check with a finding above, from the clusterprobe that wrote this file.</p>${pages.join('')}</section>`;
}

function findingHtml(f: Finding, index: number, change: DiffEntry | undefined, embedded: ReadonlySet<string>): string {
  const open = f.status === 'fail' || f.status === 'error' ? ' open' : '';
  const subject = f.subject !== undefined ? ` <span class="subject">· ${h(f.subject)}</span>` : '';
  const changed = change
    ? ` <span class="change ch-${change.change}" title="since the baseline run${change.previousStatus ? `: was ${h(change.previousStatus)}` : ''}">${CHANGE_LABEL[change.change]}</span>`
    : '';
  const body: string[] = [];
  if (f.waiver)
    body.push(
      `<p class="waiver">Waived (was ${h(f.waiver.originalStatus)}) until ${h(f.waiver.expires)}: ${h(f.waiver.justification)}</p>`,
    );
  if (f.remediation) body.push(remediationHtml(f));
  if (f.evidence && Object.keys(f.evidence).length > 0) body.push(evidenceHtml(f.evidence));
  if (f.docs) body.push(docsHtml(f, embedded));
  return `<details class="finding s-${h(f.status)}" id="f-${index}" data-status="${h(f.status)}" data-area="${h(f.area)}"${change ? ` data-change="${change.change}"` : ''}${open}><summary><span class="badge">${LABEL[f.status] ?? h(f.status)}</span><span class="id">${h(f.checkId)}</span>${subject}${changed}<span class="msg">${h(f.message)}</span></summary>${body.length > 0 ? `<div class="body">${body.join('')}</div>` : ''}</details>`;
}

function countsHtml(report: Report): string {
  const s = report.summary;
  return `<ul class="counts">${STATUS_ORDER.map((st) => `<li class="${s[st] > 0 ? `c-${st}` : ''}">${s[st]} ${st}</li>`).join('')}</ul>`;
}

function metaHtml(report: Report, timeZone: string | undefined): string {
  const c = report.cluster;
  const rows: [string, string][] = [];
  if (c.name) rows.push(['Cluster', h(c.name)]);
  if (c.windowsVersion) rows.push(['Windows Server', h(c.windowsVersion)]);
  rows.push(['Nodes', c.nodes.length ? c.nodes.map(h).join(', ') : '<span class="empty">none</span>']);
  if (c.domain) rows.push(['Domain', h(c.domain)]);
  if (c.portals.length) rows.push(['Storage portals', c.portals.map(h).join(', ')]);
  rows.push(
    ['Started', startedLine(report.startedAt, timeZone)],
    ['Duration', `${h((report.durationMs / 1000).toFixed(1))} s`],
    ['Tool', `clusterprobe ${h(report.tool.version)}`],
  );
  if (report.offline) rows.push(['Facts', 'offline: evaluated from a saved facts file']);
  if (report.cancelled) rows.push(['Run', 'interrupted (Ctrl-C) before every check finished']);
  return `<dl class="meta">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function diffHtml(report: Report): string {
  const diff = report.diff;
  if (!diff) return '';
  const item = (e: DiffEntry) => {
    const what = `${h(e.checkId)}${e.subject !== undefined ? ` · ${h(e.subject)}` : ''}`;
    const transition =
      e.previousStatus && e.status ? `${h(e.previousStatus)} → ${h(e.status)}` : h(e.status ?? e.previousStatus ?? '');
    return `<li>${e.finding !== undefined ? `<a href="#f-${e.finding}">${what}</a>` : what} (${transition}${e.previousMessageId ? `, was ${h(e.previousMessageId)}` : ''})</li>`;
  };
  const list = (change: Change, title: string) => {
    const entries = diff.entries.filter((e) => e.change === change);
    // Long lists start closed (the counts above say enough); regressions are always open.
    const open = change === 'regressed' || entries.length <= 10 ? ' open' : '';
    return entries.length
      ? `<details${open}><summary><h3>${title} (${entries.length})</h3></summary><ul>${entries.map(item).join('')}</ul></details>`
      : '';
  };
  const c = diff.counts;
  return `<section class="diff" id="since"><h2>Since the last run</h2><p>Compared with the run of ${h(diff.baseline.startedAt)} (clusterprobe ${h(diff.baseline.toolVersion)}, verdict ${h(diff.baseline.verdict)}): ${c.new} new, ${c.fixed} fixed, ${c.regressed} regressed, ${c.changed} changed, ${c.unchanged} unchanged, ${c.gone} gone.</p>${list('regressed', 'Regressed')}${list('new', 'New')}${list('fixed', 'Fixed')}${list('changed', 'Changed')}${list('gone', 'Gone')}</section>`;
}

function controlsHtml(report: Report, areas: readonly string[]): string {
  const boxes = STATUS_ORDER.map(
    (st) => `<label><input type="checkbox" name="status" value="${st}" checked> ${st} (${report.summary[st]})</label>`,
  ).join('');
  const options = areas.map((a) => `<option value="${h(a)}">${h(a)}</option>`).join('');
  return `<nav id="controls" hidden aria-label="Filter findings">${boxes}<label>Area <select id="f-area"><option value="">all</option>${options}</select></label><input type="search" id="f-text" placeholder="Search findings, evidence, commands" aria-label="Search"><button type="button" id="f-open">Expand all</button><button type="button" id="f-close">Collapse all</button><span id="f-shown"></span></nav>`;
}

/** What the command layer gives the HTML view besides the Report. */
export interface HtmlOptions {
  /**
   * The documentation page (Markdown) of each built-in check, by check id, read by the command
   * (`src/commands/assets.ts`): embedded so the file stands alone. Rendered as a safe subset.
   */
  readonly docs?: Readonly<Record<string, string>> | undefined;
  /** The time zone of "where this report was written" (IANA name); the process's when undefined. */
  readonly timeZone?: string | undefined;
}

/**
 * The heading counts of one area. "To act on" is what makes the verdict (`verdictOf`): error, fail
 * and warn. Skipped findings were not evaluated, which is not "nothing to do": they are counted
 * apart, and an area where every check was skipped says so instead of "0 to act on".
 */
export function areaCountsText(counts: Readonly<Summary>): string {
  const total = STATUS_ORDER.reduce((n, st) => n + counts[st], 0);
  const findings = `${total} finding${total === 1 ? '' : 's'}`;
  if (total > 0 && counts.skipped === total) return `${findings}, none evaluated: all skipped`;
  const act = counts.error + counts.fail + counts.warn;
  const parts = [findings, `${act} to act on`];
  if (counts.skipped > 0) parts.push(`${counts.skipped} not evaluated`);
  if (counts.waived > 0) parts.push(`${counts.waived} waived`);
  return parts.join(', ');
}

/** The report as one self-contained HTML document. */
export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const changes = new Map<number, DiffEntry>();
  for (const e of report.diff?.entries ?? []) if (e.finding !== undefined) changes.set(e.finding, e);

  const indexed = report.findings.map((f, i) => ({ f, i }));
  const byArea = Map.groupBy(indexed, (x) => x.f.area);
  // Failures first: areas by their worst finding, findings by status, then as reported.
  const areas = [...byArea.keys()].sort((a, b) =>
    compareStatus(worst(byArea.get(a)!.map((x) => x.f)), worst(byArea.get(b)!.map((x) => x.f))),
  );
  // The documentation of each check that has a finding, once, in the order of first appearance.
  const docs = new Map<string, string>();
  for (const f of report.findings)
    if (f.docs && !docs.has(f.checkId) && Object.hasOwn(options.docs ?? {}, f.checkId))
      docs.set(f.checkId, options.docs![f.checkId]!);
  const embedded = new Set(docs.keys());
  const perArea = areas.map((area) => ({ area, counts: countStatuses(byArea.get(area)!.map((x) => x.f)) }));
  const sections = areas.map((area, n) => {
    const items = byArea.get(area)!.sort((a, b) => compareStatus(a.f.status, b.f.status) || a.i - b.i);
    return `<section class="area" data-area="${h(area)}"><h2>${h(area)} <small>(${areaCountsText(perArea[n]!.counts)})</small></h2>${items.map((x) => findingHtml(x.f, x.i, changes.get(x.i), embedded)).join('')}</section>`;
  });

  const verdict = report.verdict === 'cancelled' ? 'INTERRUPTED' : report.verdict.toUpperCase();
  const title = `clusterprobe ${report.cluster.name ? `${report.cluster.name}: ` : ''}${verdict}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<link rel="icon" href="data:,">',
    `<title>${h(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header class="verdict v-${h(report.verdict)}"><h1>${h(verdict)}${report.cluster.name ? ` · ${h(report.cluster.name)}` : ''}</h1><div>Failover cluster preflight by clusterprobe: what was checked, what was seen, and what to change.</div>${countsHtml(report)}</header>`,
    planHtml(report),
    overviewSvg(perArea),
    metaHtml(report, options.timeZone),
    diffHtml(report),
    controlsHtml(report, areas),
    `<main>${sections.length ? sections.join('') : '<p class="empty">No findings: no check ran.</p>'}</main>`,
    docsSection(docs),
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
