/**
 * The overview picture of the HTML report: one bar per area, split by finding status, with the
 * counts written beside it. Inline SVG with text labels, a <title> and an aria-label: it needs no
 * script, no style attribute (the CSP admits only the report's own stylesheet, which colours the
 * bars by class) and nothing fetched.
 */
import type { FindingStatus, Summary } from '../engine/report.ts';
import { escapeHtml as h } from './escape.ts';
import { STATUS_ORDER } from './status.ts';

/** One area's counts, in the order the report shows its areas. */
export interface AreaCounts {
  readonly area: string;
  readonly counts: Readonly<Summary>;
}

const ROW = 26;
const LABEL_WIDTH = 150;
const BAR_WIDTH = 360;
const WIDTH = 900;

/** The statuses of an area as text: `5 fail, 1 warn, 11 pass` (worst first, none omitted but zeros). */
export function countsText(counts: Readonly<Summary>): string {
  return STATUS_ORDER.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The SVG, or '' when there is no area. Each bar is as wide as the largest area's total. */
export function overviewSvg(areas: readonly AreaCounts[]): string {
  if (areas.length === 0) return '';
  const total = (c: Readonly<Summary>) => STATUS_ORDER.reduce((n, s) => n + c[s], 0);
  const max = Math.max(1, ...areas.map((a) => total(a.counts)));
  const height = areas.length * ROW + 8;
  const label = `Findings by area and status: ${areas.map((a) => `${a.area}: ${countsText(a.counts) || 'none'}`).join('; ')}`;
  const rows = areas.map((a, row) => {
    const y = 4 + row * ROW;
    let x = LABEL_WIDTH;
    const segments: string[] = [];
    for (const s of STATUS_ORDER as readonly FindingStatus[]) {
      const n = a.counts[s];
      if (n === 0) continue;
      const w = (n / max) * BAR_WIDTH;
      segments.push(
        `<rect class="bar-${s}" x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 8}"><title>${h(a.area)}: ${n} ${s}</title></rect>`,
      );
      x += w;
    }
    return `<g><text class="area" x="${LABEL_WIDTH - 8}" y="${y + ROW / 2 + 4}" text-anchor="end">${h(clip(a.area, 20))}</text>${segments.join('')}<text class="n" x="${LABEL_WIDTH + BAR_WIDTH + 10}" y="${y + ROW / 2 + 4}">${h(countsText(a.counts) || 'no findings')}</text></g>`;
  });
  return `<svg class="overview" role="img" aria-label="${h(label)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${h(label)}</title>${rows.join('')}</svg>`;
}
