/**
 * Issue 11, observation 1: the machine's own resolver is broken (an admin laptop off the VPN, a
 * CI runner in a sealed network). The CLI runs with a resolv.conf naming one of four broken
 * resolvers (test/lab/resolvers.ts: no route, refusing, silent, answering garbage) bind-mounted
 * over /etc/resolv.conf, against a real Samba DC, once with activeDirectory.servers naming the DC
 * by its host name and once relying on SRV discovery. Each run completes, writes its report
 * (--json and --html), shows no stack anywhere, exits 3 (failures found), and the AD findings
 * name the resolver, what it did, and the commands to see it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import {
  runCliWithResolvConf,
  startBrokenResolvers,
  writeResolvConf,
  type BrokenResolvers,
  type ResolverKind,
} from '../lab/resolvers.ts';
import { tempFiles } from '../helpers/cli.ts';
import type { Finding, Report } from '../../src/engine/report.ts';

let lab: SambaLab;
let resolvers: BrokenResolvers;

before(async () => {
  [lab, resolvers] = await Promise.all([startSamba(), startBrokenResolvers()]);
  await lab.addOu('OU=HyperV,OU=Servers');
  await lab.addComputer('HV01', { ou: 'OU=HyperV,OU=Servers', enabled: true });
  await lab.addDnsA('hv01', '127.0.0.61');
});

after(async () => {
  await Promise.all([lab?.stop(), resolvers?.stop()]);
});

/** What each broken resolver's findings must say it did. */
const SAYS: Readonly<Record<ResolverKind, RegExp>> = {
  unreachable: /cannot be reached: no route/,
  refusing: /refused the query: nothing listens on UDP port 53/,
  silent: /gave no answer within the time limit/,
  garbage: /answered garbage, not a valid DNS answer/,
};

/** A JavaScript stack frame, or the names of the errors the crash printed. */
const STACK = /\n\s+at [^\n]*:\d+:\d+|RangeError|ERR_SOCKET|TypeError|node:internal/;

function spec(mode: 'servers' | 'discovery'): string {
  return [
    'cluster: { name: HVCLUSTER01, windowsVersion: "2019" }',
    'nodes:',
    '  - { name: hv01 }',
    'activeDirectory:',
    `  domain: ${lab.domain}`,
    // The DC by its host name: resolving it needs this machine's resolver.
    ...(mode === 'servers' ? [`  servers: [ldaps://${lab.certName}]`] : []),
    `  tls: { caFile: ${lab.caFile} }`,
    `  bind: { user: ${lab.adminUpn}, password: env:CP_AD_PASSWORD }`,
  ].join('\n');
}

function commands(f: Finding): string[] {
  return (f.remediation?.steps ?? []).flatMap((s) => (s.commands ?? []).map((c) => c.command));
}

for (const mode of ['servers', 'discovery'] as const) {
  describe(`activeDirectory ${mode === 'servers' ? 'with servers naming the DC' : 'relying on SRV discovery'}`, () => {
    for (const kind of ['unreachable', 'refusing', 'silent', 'garbage'] as const) {
      test(`resolver ${kind}: the run completes, writes its report, no stack, and the AD findings name the resolver`, async () => {
        const server = resolvers.servers[kind];
        const resolvConf = await writeResolvConf([server]);
        const dir = await tempFiles({ 'c.yaml': spec(mode) });
        const html = join(dir, 'report.html');
        const before = resolvers.received.garbage + resolvers.received.silent;
        const r = await runCliWithResolvConf(
          resolvConf,
          ['validate', '--config', join(dir, 'c.yaml'), '--json', '--html', html],
          { env: { CP_AD_PASSWORD: lab.adminPassword } },
        );
        const out = `exit ${r.code} ${r.signal ?? ''}\n--- stdout\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;
        assert.notEqual(r.code, 97, 'the bind mount of resolv.conf failed');
        assert.equal(r.code, 3, out);
        assert.doesNotMatch(r.stdout, STACK, out);
        assert.doesNotMatch(r.stderr, STACK, out);
        const report = JSON.parse(r.stdout) as Report;
        const page = await readFile(html, 'utf8');
        assert.match(page, /ad\.dns\.node-records/);
        assert.doesNotMatch(page, STACK);
        assert.ok(
          !r.stdout.includes(lab.adminPassword) &&
            !r.stderr.includes(lab.adminPassword) &&
            !page.includes(lab.adminPassword),
        );
        assert.deepEqual(
          report.findings.filter((f) => f.status === 'error').map((f) => [f.checkId, f.message]),
          [],
          out,
        );
        if (kind === 'silent' || kind === 'garbage')
          assert.ok(resolvers.received.garbage + resolvers.received.silent > before, `the ${kind} resolver was asked`);

        // The findings that depend on the resolver name it, say what it did, and how to see it.
        const expected =
          mode === 'servers'
            ? [
                ['ad.connect', 'resolverFailed'],
                ['ad.dns.node-records', 'resolverFailed'],
              ]
            : [
                ['ad.dc.discovery', 'resolverFailed'],
                ['ad.dns.node-records', 'resolverFailed'],
              ];
        const named = report.findings.filter((f) => f.messageId === 'resolverFailed');
        assert.deepEqual(
          named.map((f) => [f.checkId, f.messageId]),
          expected,
          out,
        );
        for (const f of named) {
          assert.equal(f.status, 'fail');
          assert.ok(f.message.includes(server), `${f.checkId} names ${server}: ${f.message}`);
          assert.match(f.message, SAYS[kind], `${f.checkId}: ${f.message}`);
          assert.match(f.message, /this machine's resolver/);
          const cmds = commands(f);
          assert.ok(
            cmds.some((c) => c.startsWith(`Resolve-DnsName -Server '${server}' -Type `)),
            `${f.checkId}: ${cmds.join(' | ')}`,
          );
          assert.ok(
            cmds.some((c) => c.startsWith(`dig @'${server}' -t `)),
            `${f.checkId}: ${cmds.join(' | ')}`,
          );
          assert.ok(
            f.remediation!.steps.some((s) => s.text.includes('activeDirectory.dnsServers')),
            `${f.checkId} says to set activeDirectory.dnsServers`,
          );
        }
        if (mode === 'servers')
          assert.deepEqual(
            report.findings.filter((f) => f.checkId === 'ad.dc.discovery').map((f) => f.messageId),
            ['notNeeded'],
          );
        else
          assert.deepEqual(
            report.findings.filter((f) => f.checkId === 'ad.connect').map((f) => f.messageId),
            ['noServer'],
          );
      });
    }
  });
}

test("the fix the findings give works: with activeDirectory.dnsServers naming the domain's DNS, the broken system resolver no longer matters", async () => {
  const resolvConf = await writeResolvConf([resolvers.servers.unreachable]);
  const dir = await tempFiles({ 'c.yaml': `${spec('discovery')}\n  dnsServers: [${lab.dnsServer}]` });
  const r = await runCliWithResolvConf(resolvConf, ['validate', '--config', join(dir, 'c.yaml'), '--json'], {
    env: { CP_AD_PASSWORD: lab.adminPassword },
  });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  const ad = report.findings.filter((f) => f.area === 'ad');
  assert.deepEqual(
    ad.filter((f) => f.status !== 'pass' && f.status !== 'skipped').map((f) => [f.checkId, f.messageId]),
    [['ad.dc.discovery', 'singleDc']],
  );
  assert.deepEqual(
    ad.filter((f) => f.checkId === 'ad.dns.node-records').map((f) => [f.status, f.messageId, f.data.addresses]),
    [['pass', 'resolves', ['127.0.0.61']]],
  );
  assert.ok(ad.some((f) => f.checkId === 'ad.connect' && f.messageId === 'connected'));
});
