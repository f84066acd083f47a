/** The terminal view of `iscsi discover`: a table per target. Pure: `(inventory, chalk) => string`. */
import type { ChalkInstance } from 'chalk';
import type { Inventory, InventoryLun } from '../iscsi/inventory.ts';
import { strongestIdentifier } from '../storage/identity.ts';
import { clean } from './terminal.ts';

export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** The disk's identifier for display: the one the storage checks key disks on, or '-'. */
export function primaryIdentifier(l: InventoryLun): string {
  return strongestIdentifier(l)?.identifier ?? '-';
}

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
