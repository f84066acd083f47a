/**
 * A safe subset of Markdown for the check documentation the HTML report embeds: headings,
 * paragraphs, fenced code, bullet and numbered lists, tables, inline `code` and **bold**. Every
 * character of the source is escaped before any markup is added, and the only markup is this
 * file's own: no raw HTML, no links, no images, no attributes from the text. A construct outside
 * the subset reads as its escaped source.
 */
import { escapeHtml as h } from './escape.ts';

/** Inline `code` and **bold** over escaped text (the delimiters survive escaping unchanged). */
function inline(text: string): string {
  // Code spans first, held as \u0000<n>\u0000 (escaping turned every control character of the
  // source into \xNN, so none is left), so that bold may span them but not reach into them.
  const spans: string[] = [];
  return h(text)
    .replace(/`([^`]+)`/g, (_, code: string) => `\u0000${spans.push(`<code>${code}</code>`) - 1}\u0000`)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/\u0000(\d+)\u0000/g, (_, n: string) => spans[Number(n)]!);
}

function cells(row: string): string[] {
  const trimmed = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  // A pipe inside `code` (\| in the source) is not a column boundary.
  return trimmed.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const LIST_ITEM = /^(\s*)([-*]|\d+\.)\s+(.*)$/;

/** Renders Markdown source as HTML of the safe subset; heading levels shift down by `shift`. */
export function renderMarkdown(source: string, shift = 2): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^\s*(```+|~~~+)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++;
      out.push(`<pre><code>${h(body.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1]!.length + shift);
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
      i++;
      continue;
    }
    if (line.trim().startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('|')) {
        const row = cells(lines[i++]!);
        if (!row.every((c) => /^:?-+:?$/.test(c))) rows.push(row);
      }
      const [head, ...body] = rows;
      if (head === undefined) continue;
      out.push(
        `<table><thead><tr>${head!.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${body
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2]!);
      const items: string[] = [];
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i]!);
        if (m && /\d/.test(m[2]!) === ordered && m[1]!.length === item[1]!.length) {
          items.push(m[3]!);
          i++;
        } else if (items.length > 0 && /^\s+\S/.test(lines[i]!) && !LIST_ITEM.exec(lines[i]!)) {
          // A continuation line of the item above.
          items[items.length - 1] += ` ${lines[i++]!.trim()}`;
        } else if (m && m[1]!.length > item[1]!.length) {
          // A nested item: kept as text of the item above.
          items[items.length - 1] += ` ${m[2]} ${m[3]}`;
          i++;
        } else break;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const paragraph: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() !== '' &&
      !/^\s*(```|~~~|#{1,6}\s|\|)/.test(lines[i]!) &&
      !LIST_ITEM.test(lines[i]!)
    )
      paragraph.push(lines[i++]!.trim());
    out.push(`<p>${inline(paragraph.join(' '))}</p>`);
  }
  return out.join('\n');
}
