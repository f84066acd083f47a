/** The documentation pages the HTML report embeds, read here because src/report reads no files. */
import type { Report } from '../engine/report.ts';
import { readAsset } from './assets.ts';

/**
 * The Markdown page of each built-in check that has a finding in `report`, by check id: those
 * whose `docs` is `docs/checks/<id>.md`. A page this installation lacks is left out (the report
 * then shows the path as text); a check id that is not a plain name is never used as a path.
 */
export function checkDocs(report: Pick<Report, 'findings'>): Record<string, string> {
  const docs: Record<string, string> = {};
  for (const f of report.findings) {
    if (Object.hasOwn(docs, f.checkId) || !/^[a-z0-9][a-z0-9.-]*$/i.test(f.checkId)) continue;
    if (f.docs !== `docs/checks/${f.checkId}.md`) continue;
    try {
      docs[f.checkId] = readAsset(`docs/checks/${f.checkId}.md`);
    } catch {
      // Not shipped (a plugin's check, or a page removed since the report was written).
    }
  }
  return docs;
}
