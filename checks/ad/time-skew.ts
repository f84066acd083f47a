import type { Check } from '../../src/engine/contract.ts';
import type { Remediation, RemediationStep } from '../../src/engine/report.ts';
import type { AdFacts } from '../../src/facts/index.ts';
import { parseLdapUrl } from '../../src/facts/ad-endpoints.ts';
import { instantOf, isCalendarTime } from '../../src/facts/calendar.ts';
import { cmdQuote, psQuote } from '../../src/quote.ts';
import { AD_GATE_MESSAGES, adFactsOrSkip } from './lib/gate.ts';

/** Beyond this a warning: clocks in a domain normally agree within a second or two. */
export const WARN_SKEW_MS = 60_000;
/** Kerberos' default maximum tolerance for computer clock synchronization (5 minutes). */
export const KERBEROS_SKEW_MS = 300_000;

const messages = {
  inSync: "The clock of {dc} and this machine's differ by {absSeconds} s (Kerberos tolerates 300 s)",
  skewed:
    "The clock of {dc} is {absSeconds} s {direction} this machine's: more than 60 s, and drifting towards the 300 s Kerberos limit",
  kerberosSkew:
    "The clock of {dc} is {absSeconds} s {direction} this machine's: beyond the 300 s Kerberos tolerates, so Kerberos logons between them fail",
  unreadable: 'Cannot tell the clock skew: {which} is "{value}", not a time that can be read',
  notRead: "No rootDSE was read (see ad.connect): the DC's time is unknown",
  ...AD_GATE_MESSAGES,
} as const;

const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{4})$/;

/**
 * A GeneralizedTime (RFC 4517 3.3.13) with seconds, as AD's rootDSE currentTime carries it
 * ("20261125113832.0Z"), in ms since the epoch; null for anything else (no lenient Date parsing).
 */
export function parseGeneralizedTime(value: string): number | null {
  const m = GENERALIZED_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Any number of fraction digits, rounded to ms.
  const time = { year, month, day, hour, minute, second, ms: m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0 };
  if (!isCalendarTime(time, { leapSecond: true })) return null;
  const zone = m[8]!;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const hh = Number(zone.slice(1, 3));
    const mm = Number(zone.slice(3, 5));
    if (hh > 23 || mm > 59) return null;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hh * 60 + mm);
  }
  // A leap second (60) counts as the next second: good enough for a skew in seconds.
  return instantOf(time, offsetMinutes);
}

/** An ISO 8601 instant with a zone, as the probe writes localTime; null for anything else. */
function parseIsoInstant(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function dcName(facts: AdFacts): string {
  return (
    facts.connection?.dnsHostName ?? (facts.connection ? parseLdapUrl(facts.connection.server).host : facts.domain)
  );
}

function remediation(dc: string, facts: AdFacts, dcAhead: boolean): Remediation {
  const perNode = facts.nodes.map((n) => ({
    shell: 'cmd' as const,
    command: `w32tm /stripchart /computer:${cmdQuote(dc)} /samples:3 /dataonly`,
    runOn: n.name,
  }));
  const steps: RemediationStep[] = [
    {
      text: `The difference was measured between ${dc} and the machine running clusterprobe, so first find out which of the two clocks is wrong: compare each with a reliable source.`,
      commands: [
        { shell: 'cmd', command: 'w32tm /query /status', runOn: `${dc} and this machine (Windows)` },
        {
          shell: 'cmd',
          command: `w32tm /stripchart /computer:${cmdQuote(dc)} /samples:3 /dataonly`,
          runOn: 'this machine (Windows)',
        },
        { shell: 'sh', command: 'chronyc tracking; timedatectl', runOn: `this machine or ${dc} (Linux/Samba)` },
      ],
    },
    {
      text: 'If the DC is wrong: in a domain every DC follows the PDC emulator, and the PDC emulator follows an outside source. Find it, give it a reliable NTP source, then resynchronise the other DCs.',
      commands: [
        {
          shell: 'powershell',
          command: `(Get-ADDomain -Identity ${psQuote(facts.domain)}).PDCEmulator`,
          runOn: 'a machine with the AD PowerShell module',
        },
        {
          shell: 'cmd',
          command: 'w32tm /config /manualpeerlist:"pool.ntp.org" /syncfromflags:manual /reliable:yes /update',
          runOn: 'the PDC emulator',
        },
        { shell: 'cmd', command: 'w32tm /resync /rediscover', runOn: 'the PDC emulator, then every other DC' },
        {
          shell: 'sh',
          command: 'samba-tool fsmo show; chronyc sources -v',
          runOn: `${dc} (Samba: the DC's clock comes from chrony or ntpd, not from Samba)`,
        },
      ],
    },
    {
      text: 'If this machine is wrong: synchronise it (Windows: w32tm /resync /rediscover; Linux: chrony or systemd-timesyncd, see timedatectl) and run clusterprobe again.',
      commands: [{ shell: 'sh', command: 'timedatectl set-ntp true; chronyc makestep', runOn: 'this machine (Linux)' }],
    },
    {
      text: `Every node must itself be within 5 minutes of the DC: Kerberos refuses tickets beyond that ("KRB_AP_ERR_SKEW"), and the cluster's computer accounts log on with Kerberos. Domain members follow the domain hierarchy; check each node's offset to ${dc} and resynchronise it:`,
      commands: [
        ...(perNode.length > 0
          ? perNode
          : [
              {
                shell: 'cmd' as const,
                command: `w32tm /stripchart /computer:${cmdQuote(dc)} /samples:3 /dataonly`,
                runOn: 'each node',
              },
            ]),
        {
          shell: 'cmd',
          command: 'w32tm /config /syncfromflags:domhier /update && w32tm /resync /rediscover',
          runOn: 'each node whose offset is off',
        },
      ],
    },
  ];
  return {
    summary: dcAhead ? `Bring the clocks together: ${dc} is ahead` : `Bring the clocks together: ${dc} is behind`,
    steps,
  };
}

const check = {
  meta: {
    id: 'ad.time.skew',
    title: "The domain controller's clock agrees with this machine's",
    area: 'ad',
    description:
      "Compares the DC's currentTime (rootDSE) with the local clock at the moment of the read: more than 60 s apart warns, more than 5 minutes fails (the Kerberos default tolerance).",
    why: 'Kerberos rejects tickets whose time differs from the DC\'s by more than 5 minutes. Cluster nodes, the cluster name object and its validation all log on with Kerberos; a skewed clock shows up as vague "access denied" or "the trust relationship failed" errors during New-Cluster.',
    docs: 'docs/checks/ad.time.skew.md',
    severity: 'fail',
    facts: ['ad.directory'],
    messages,
    remediations: [
      'Find which clock is wrong (w32tm /query /status, chronyc tracking); give the PDC emulator a reliable NTP source (w32tm /config /manualpeerlist ... /reliable:yes /update) and resynchronise (w32tm /resync /rediscover).',
      "Check each node's offset to the DC with w32tm /stripchart /computer:<dc> and make it follow the domain hierarchy.",
    ],
  },
  async run(ctx) {
    const facts = await adFactsOrSkip(ctx);
    if (!facts) return;
    const dc = dcName(facts);
    if (!facts.rootDse) {
      ctx.report({
        status: 'skipped',
        messageId: 'notRead',
        subject: facts.domain,
        data: { dc },
        evidence: { attempts: facts.attempts },
      });
      return;
    }
    const raw = facts.rootDse.currentTime;
    const currentTime = Array.isArray(raw) ? raw[0] : raw;
    const dcMs = currentTime === undefined ? null : parseGeneralizedTime(currentTime);
    const localMs = facts.localTime === undefined ? null : parseIsoInstant(facts.localTime);
    const evidence = {
      currentTime: raw ?? null,
      localTime: facts.localTime ?? null,
      server: facts.connection?.server ?? null,
    };
    if (dcMs === null || localMs === null) {
      const which = dcMs === null ? "the DC's currentTime" : 'the local time recorded at the read';
      const value = dcMs === null ? String(raw ?? '(absent)') : String(facts.localTime ?? '(absent)');
      ctx.report({
        status: 'warn',
        messageId: 'unreadable',
        subject: dc,
        data: { dc, which, value },
        evidence,
        remediation: {
          summary: 'Check the clocks by hand',
          steps: [
            {
              text: `clusterprobe could not read ${which}; compare the clocks directly:`,
              commands: [
                {
                  shell: 'cmd',
                  command: `w32tm /stripchart /computer:${cmdQuote(dc)} /samples:3 /dataonly`,
                  runOn: 'each node',
                },
              ],
            },
          ],
        },
      });
      return;
    }
    const skewMs = dcMs - localMs;
    const abs = Math.abs(skewMs);
    const data = {
      dc,
      skewSeconds: Math.round(skewMs / 1000),
      absSeconds: Math.round(abs / 1000),
      direction: skewMs >= 0 ? 'ahead of' : 'behind',
      dcTime: new Date(dcMs).toISOString(),
      localTime: new Date(localMs).toISOString(),
      warnSeconds: WARN_SKEW_MS / 1000,
      failSeconds: KERBEROS_SKEW_MS / 1000,
    };
    if (abs <= WARN_SKEW_MS) {
      ctx.report({ status: 'pass', messageId: 'inSync', subject: dc, data, evidence });
      return;
    }
    const fix = remediation(dc, facts, skewMs > 0);
    if (abs <= KERBEROS_SKEW_MS)
      ctx.report({ status: 'warn', messageId: 'skewed', subject: dc, data, evidence, remediation: fix });
    else ctx.report({ status: 'fail', messageId: 'kerberosSkew', subject: dc, data, evidence, remediation: fix });
  },
} satisfies Check;

export default check;
