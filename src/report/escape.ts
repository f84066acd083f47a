/** Escaping for the HTML report, shared by its parts. */

/** Text for HTML: & < > " ' escaped, and control characters (but tab and newline) as \xNN. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g,
      (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`,
    )
    .replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
