/**
 * iSCSI portal addresses as the spec writes them (`host`, `host:port`, `[v6]`, `[v6]:port`): pure
 * parsing and formatting, shared by the iSCSI client (src/iscsi/connection.ts) and the storage checks.
 */

export interface Portal {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_ISCSI_PORT = 3260;

/** `host`, `host:port`, `[v6]`, `[v6]:port`. */
export function parsePortal(text: string): Portal {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : DEFAULT_ISCSI_PORT };
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.indexOf(':') === colon) {
    const port = Number(text.slice(colon + 1));
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new RangeError(`portal "${text}": port must be 1..65535`);
    return { host: text.slice(0, colon), port };
  }
  return { host: text, port: DEFAULT_ISCSI_PORT };
}

export function formatPortal(p: Portal): string {
  return p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`;
}
