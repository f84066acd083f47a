/** The terminal view of `iscsi discover`: a table per target. Pure: `(inventory, chalk) => string`. */
import type { ChalkInstance } from 'chalk';
import type { Inventory } from '../iscsi/inventory.ts';
import { formatBytes, primaryIdentifier } from '../facts/lun-identity.ts';
import { clean } from './terminal.ts';

export { formatBytes, primaryIdentifier } from '../facts/lun-identity.ts';

export function renderInventory(inv: Inventory, c: ChalkInstance): string {
  const lines = [c.bold(`Portal ${inv.portal} (as ${clean(inv.initiator)})`)];
  if (inv.error) lines.push(c.red(`  ${clean(inv.error.message)}`));
  if (!inv.error && inv.targets.length === 0) lines.push('  SendTargets listed no target for this initiator.');
  for (const t of inv.targets) {
    lines.push(
      '',
      `${c.bold(`Target ${clean(t.name)}`)}${t.addresses.length ? c.dim(`  ${t.addresses.map(clean).join(' ')}`) : ''}`,
    );
    if (t.error) {
      lines.push(c.red(`  ${clean(t.error.message)}`));
      continue;
    }
    const rows = t.luns.map((l) => [
      String(l.lun),
      l.deviceTypeName,
      clean(l.vendor ?? '-'),
      clean(l.product ?? '-'),
      clean(l.revision ?? '-'),
      formatBytes(l.sizeBytes),
      primaryIdentifier(l),
    ]);
    const header = ['LUN', 'TYPE', 'VENDOR', 'PRODUCT', 'REV', 'SIZE', 'IDENTIFIER'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]) => `  ${r.map((v, i) => v.padEnd(widths[i]!)).join('  ')}`.trimEnd();
    lines.push(c.dim(fmt(header)));
    t.luns.forEach((l, i) => {
      lines.push(fmt(rows[i]!));
      if (l.error) lines.push(c.yellow(`    ${clean(l.error.message)}`));
    });
  }
  return `${lines.join('\n')}\n`;
}
