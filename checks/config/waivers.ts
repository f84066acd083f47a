import type { Check } from '../../src/engine/contract.ts';
import { waiverActive } from '../../src/engine/waivers.ts';

const check = {
  meta: {
    id: 'config.waivers.expiry',
    title: 'Waivers are current',
    area: 'config',
    description:
      "Every waiver (from the spec's waivers: and from --waivers FILE) is reported: in force until its expiry date (inclusive, UTC), or expired. An expired waiver no longer hides its failure and is itself a warning.",
    why: 'A waiver is a promise to fix something by a date. Once that date passes the failure it covered is back in the report; the warning makes the broken promise visible instead of letting the waiver rot in the file.',
    docs: 'docs/checks/config.waivers.expiry.md',
    severity: 'warn',
    facts: [],
    messages: {
      active: 'Waiver for {check}{forSubject} is in force until {expires} ({daysLeft} days left): {justification}',
      expired:
        'Waiver for {check}{forSubject} expired on {expires} ({daysAgo} days ago) and no longer applies: {justification}',
      none: 'No waivers are configured',
    },
    remediations: [
      'Fix what the waiver covered and delete the waiver, or, with a new justification, move its expires: date forward.',
    ],
  },
  run(ctx) {
    if (ctx.waivers.length === 0) {
      ctx.report({ status: 'pass', messageId: 'none' });
      return;
    }
    const day = 24 * 3600 * 1000;
    for (const w of ctx.waivers) {
      const end = Date.parse(`${w.expires}T00:00:00Z`) + day;
      const data = {
        check: w.check,
        subject: w.subject,
        forSubject: w.subject ? ` on ${w.subject}` : '',
        expires: w.expires,
        justification: w.justification,
      };
      const subject = w.subject ? `${w.check} ${w.subject}` : w.check;
      if (waiverActive(w, ctx.now)) {
        ctx.report({
          status: 'pass',
          messageId: 'active',
          subject,
          data: { ...data, daysLeft: Math.ceil((end - ctx.now.getTime()) / day) },
        });
      } else {
        ctx.report({
          status: 'warn',
          messageId: 'expired',
          subject,
          data: { ...data, daysAgo: Math.floor((ctx.now.getTime() - end) / day) + 1 },
          evidence: { waiver: w, now: ctx.now.toISOString() },
          remediation: {
            summary: `Fix what ${w.check} reports, or renew the waiver`,
            steps: [
              { text: `Fix the finding the waiver covered (see ${w.check} in this report) and delete the waiver.` },
              {
                text: 'Or, if the fix is scheduled, set a new expires: date on the waiver and update its justification with the reason and ticket.',
              },
            ],
          },
        });
      }
    }
  },
} satisfies Check;

export default check;
