/**
 * `clusterprobe init` driven in a real terminal (tmux, test/helpers/terminal.ts) against the lab:
 * a real Samba AD DC (test/lab/samba.ts) whose DNS lists it in SRV records, and a real tgt
 * (test/lab/tgt.ts) with a disk LUN and a CD LUN behind CHAP. Every question is answered as a
 * user would, the written file is read back through the project's own loader, and its content
 * checked against what was picked on the screen.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { startTgt, type TgtLab } from '../lab/tgt.ts';
import { tempDir } from '../helpers/cli.ts';
import { Answerer, startCliTerminal, type Terminal } from '../helpers/terminal.ts';
import { loadSpec } from '../../src/config/load.ts';

const TARGET = 'iqn.2026-11.test:wizard';
const CHAP_USER = 'wizuser';
const CHAP_SECRET = 'wizard-chap-secret-31';

let samba: SambaLab;
let tgt: TgtLab;
const terminals: Terminal[] = [];

before(async () => {
  [samba, tgt] = await Promise.all([startSamba(), startTgt()]);
  const tid = await tgt.addTarget(TARGET);
  await tgt.addLun(tid, 1, { sizeMiB: 64 });
  await tgt.addLun(tid, 2, { sizeMiB: 8, deviceType: 'cd' });
  await tgt.bindAll(tid);
  await tgt.addChap(tid, CHAP_USER, CHAP_SECRET);
});

after(async () => {
  for (const t of terminals) await t.close();
  await Promise.all([samba?.stop(), tgt?.stop()]);
});

/** A TCP port on 127.0.0.1 where nothing listens (taken, then released). */
function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function terminal(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Terminal> {
  const t = await startCliTerminal(args, { env, ...(cwd ? { cwd } : {}) });
  terminals.push(t);
  return t;
}

test('the wizard against the lab: DCs from SRV, the disk ticked among the LUNs, CHAP after a refused login; the file loads and validate runs', async () => {
  const dir = await tempDir();
  const out = join(dir, 'cluster.yaml');
  const notPem = join(dir, 'notes.txt');
  await writeFile(notPem, 'not a certificate\n');
  const dead = `127.0.0.1:${await deadPort()}`;
  const term = await terminal(['init', '--output', out, '--dns-server', samba.dnsServer, '--timeout', '5'], {
    CP_AD_PASSWORD: samba.adminPassword,
    CP_CHAP_SECRET: CHAP_SECRET,
  });
  const a = new Answerer(term);

  await a.input('Cluster name', 'HVCLUSTER01');
  await a.select('Target Windows Server version', 'Windows Server 2019');
  await a.input('Node 1 host name', 'hv01');
  await a.input('hv01: fully qualified DNS name', 'hv01.lab.example.test');
  await a.input('hv01: iSCSI initiator name', 'iqn.1991-05.com.microsoft:hv01.lab.example.test');
  await a.confirm('Add another node?', true);
  await a.input('Node 2 host name', 'hv02');
  await a.input('hv02: fully qualified DNS name', 'hv02.lab.example.test');
  await a.input('hv02: iSCSI initiator name', '');
  await a.confirm('Add another node?', false);

  await a.confirm('Check Active Directory', true);
  await a.question('Domain');
  assert.match(
    await term.screen(),
    /^\? Domain \(DNS name\): \(lab\.example\.test\)/m,
    'the domain is offered from the FQDNs',
  );
  await a.input('Domain', '');
  await a.question('DNS server');
  assert.ok((await term.screen()).includes(samba.dnsServer), 'the --dns-server is the default answer');
  await a.input('DNS server', '');
  await a.question('Which DC');
  assert.match(await term.screen(), new RegExp(`Found 1 domain controller`));
  await a.select('Which DC', samba.dcHostName);

  await a.question('CA certificate');
  await term.type(notPem);
  await term.keys('Enter');
  await term.waitFor(/not a PEM certificate/);
  await term.keys('C-u');
  await term.type(samba.caFile);
  await term.keys('Enter');
  await a.answered('CA certificate');
  await a.select('How is LDAP protected?', 'LDAPS');
  await a.input('Bind user', samba.adminUpn);
  await a.select(/Where does the password of/, 'An environment variable');
  await a.input('Environment variable name', 'CP_AD_PASSWORD');
  const ou = `OU=HyperV,OU=Servers,${samba.baseDn}`;
  await a.input('OU where the nodes', ou);

  await a.confirm('Check iSCSI storage', true);
  // A portal where nothing listens: said plainly, and the address can be changed.
  await a.input('iSCSI portal', dead);
  await a.confirm('Does the portal need CHAP?', false);
  await term.waitFor(/connection refused/, 20_000);
  await a.select('What now?', 'Change the portal address or CHAP');
  await a.question('iSCSI portal');
  await term.keys('C-u');
  await a.input('iSCSI portal', tgt.portal);
  await a.confirm('Does the portal need CHAP?', false);
  // The target refuses the login without CHAP.
  await term.waitFor(/authentication failure[\s\S]*wants CHAP/, 20_000);
  await a.select('What now?', 'Change the portal address or CHAP');
  await a.input('iSCSI portal', '');
  await a.question('Does the portal need CHAP?');
  assert.match(
    await term.screen(),
    /^\? Does the portal need CHAP\? \(Y\/n\)/m,
    'after an authentication failure CHAP is the default',
  );
  await a.confirm('Does the portal need CHAP?', true);
  await a.input('CHAP user', CHAP_USER);
  await a.select(/Where does the CHAP secret/, 'An environment variable');
  await a.input('Environment variable name', 'CP_CHAP_SECRET');

  await a.question('Tick the cluster disks', 30_000);
  const screen = await term.screen();
  assert.match(screen, new RegExp(`── ${TARGET}`));
  const disk = /LUN 1 {2}direct access block device {2}64\.0 MiB {2}IET VIRTUAL-DISK {2}(naa\.[0-9a-f]{16,32})$/m.exec(
    screen,
  );
  assert.ok(disk, `size, vendor/product and the NAA identifier from VPD 0x83:\n${screen}`);
  assert.match(
    screen,
    /^ - LUN 2 {2}CD\/DVD device .*\(not a disk: cannot be a cluster disk\)$/m,
    'the CD LUN is shown, not selectable',
  );
  assert.match(
    screen,
    /^.- LUN 0 {2}storage array controller device .*\(not a disk: cannot be a cluster disk\)$/m,
    'the controller LUN is shown, not selectable',
  );
  const cd = /LUN 2 .*(naa\.[0-9a-f]+) \(not a disk/.exec(screen);
  assert.notEqual(cd?.[1], disk[1], 'each LUN its own identifier');
  await a.tick('Tick the cluster disks', ['LUN 1 ']);
  await a.confirm('Add another portal?', false);

  await a.question('Run clusterprobe validate', 20_000);
  const log = await term.log();
  assert.match(log, /Wrote .*cluster\.yaml: 2 node\(s\), domain lab\.example\.test, 1 portal\(s\)/);
  assert.ok(!log.includes(CHAP_SECRET) && !log.includes(samba.adminPassword), 'no secret on the screen');

  const text = await readFile(out, 'utf8');
  assert.ok(!text.includes(CHAP_SECRET) && !text.includes(samba.adminPassword), 'no secret in the file');
  assert.match(text, /password: env:CP_AD_PASSWORD +# env:NAME \| file:PATH \| prompt, never the password/);
  assert.ok(
    text.includes(`# LUN 1  direct access block device  64.0 MiB  IET VIRTUAL-DISK  ${disk[1]}`),
    'the ticked disk described in a comment',
  );
  const { spec } = await loadSpec(out);
  assert.deepEqual(spec.cluster, { name: 'HVCLUSTER01', windowsVersion: '2019' });
  assert.deepEqual(spec.nodes, [
    { name: 'hv01', fqdn: 'hv01.lab.example.test', iqn: 'iqn.1991-05.com.microsoft:hv01.lab.example.test' },
    { name: 'hv02', fqdn: 'hv02.lab.example.test' },
  ]);
  assert.deepEqual(spec.activeDirectory, {
    domain: samba.domain,
    servers: [`ldaps://${samba.dcHostName}`],
    dnsServers: [samba.dnsServer],
    tls: { caFile: samba.caFile, startTls: false },
    bind: { user: samba.adminUpn, password: 'env:CP_AD_PASSWORD' },
    ou,
  });
  assert.deepEqual(spec.storage, {
    iscsi: [
      { portal: tgt.portal, targets: [TARGET], luns: [1], chap: { user: CHAP_USER, secret: 'env:CP_CHAP_SECRET' } },
    ],
    allowInUse: false,
  });

  // validate runs on it in the same terminal, and its exit code is the wizard's: the nodes have
  // no computer account in the lab's domain, so it fails (3).
  await a.confirm('Run clusterprobe validate', true);
  const code = await term.exitCode(180_000);
  const after = await term.log();
  assert.match(after, /ad\.computer\.account/, after);
  assert.match(after, /\d+ failed/);
  assert.equal(code, 3, after);
});

test('NetBIOS names as typed: the live hint, a kept long name, a collision and a forbidden character replaced by the suggestion; --force replaces the file', async () => {
  const dir = await tempDir();
  const out = join(dir, 'cluster.yaml');
  await writeFile(out, 'old: content\n');

  const refused = await terminal(['init', '--output', out]);
  assert.equal(await refused.exitCode(), 2);
  assert.match(
    await refused.screen(),
    /cluster\.yaml exists, and init does not overwrite a spec: give another --output FILE, or --force/,
  );
  assert.equal(await readFile(out, 'utf8'), 'old: content\n');

  const term = await terminal(['init', '--output', 'cluster.yaml', '--force'], {}, dir);
  const a = new Answerer(term);
  await a.input('Cluster name', 'HVCLUSTER01');
  await a.select('Target Windows Server version', 'Windows Server 2008 R2');

  await a.question('Node 1 host name');
  await term.type('HYPERVHOSTNODE-01A');
  await term.waitFor(
    /^\? Node 1 host name: ⚠ 18 characters: a NetBIOS name has at most 15, so Windows truncates it to HYPERVHOSTNODE- \(suggested: HYPERVHOSTN-01A\)$/m,
  );
  await term.keys('Enter');
  await a.select('Use the suggested name HYPERVHOSTN-01A?', 'Keep HYPERVHOSTNODE-01A');
  await a.input('HYPERVHOSTNODE-01A: fully qualified DNS name', '');
  await a.input('HYPERVHOSTNODE-01A: iSCSI initiator name', '');
  await a.confirm('Add another node?', true);

  await a.question('Node 2 host name');
  await term.type('HYPERVHOSTNODE-01B');
  await term.keys('Enter');
  await a.question('Use the suggested name HYPERVHOSTN-01B?');
  assert.match(
    await term.screen(),
    /HYPERVHOSTNODE-01B: its NetBIOS name HYPERVHOSTNODE- is the same as HYPERVHOSTNODE-01A's: the two collide/,
  );
  await a.select('Use the suggested name HYPERVHOSTN-01B?', 'Use HYPERVHOSTN-01B');
  await a.input('HYPERVHOSTN-01B: fully qualified DNS name', '');
  await a.input('HYPERVHOSTN-01B: iSCSI initiator name', '');
  await a.confirm('Add another node?', true);

  await a.question('Node 3 host name');
  await term.type('hv*03');
  await term.waitFor(/^\? Node 3 host name: ⚠ \* cannot be part of a NetBIOS name \(suggested: hv03\)$/m);
  await term.keys('Enter');
  await a.question('Use the suggested name hv03?');
  assert.match(
    await term.screen(),
    /Keep hv\*03 \(Windows cannot have this name/,
    'a name Windows cannot have cannot be kept',
  );
  await a.select('Use the suggested name hv03?', 'Use hv03');
  await a.question('hv03: fully qualified DNS name');
  await term.type('not a dns name');
  await term.keys('Enter');
  await term.waitFor(
    /expected a DNS name \(letters, digits and hyphens, dot-separated, e\.g\. hv01\.lab\.example\.test, or the node's IP address\); got a space in "not a dns name"/,
  );
  await term.keys('C-u', 'Enter');
  await a.answered('hv03: fully qualified DNS name');
  await a.input('hv03: iSCSI initiator name', '');
  await a.confirm('Add another node?', false);
  await a.confirm('Check Active Directory', false);
  await a.confirm('Check iSCSI storage', false);
  await a.confirm('Run clusterprobe validate', false);
  assert.equal(await term.exitCode(), 0, await term.log());
  assert.match(await term.log(), /Run it when ready: clusterprobe validate --config cluster\.yaml/);

  const text = await readFile(out, 'utf8');
  assert.ok(!text.includes('old: content'), 'replaced with --force');
  const { spec } = await loadSpec(out);
  assert.deepEqual(
    spec.nodes.map((n) => n.name),
    ['HYPERVHOSTNODE-01A', 'HYPERVHOSTN-01B', 'hv03'],
  );
  assert.deepEqual(spec.cluster, { name: 'HVCLUSTER01', windowsVersion: '2008R2' });
  assert.equal(spec.activeDirectory, undefined);
  assert.equal(spec.storage, undefined);
  assert.match(
    text,
    /- name: HYPERVHOSTNODE-01A +# 18 characters: a NetBIOS name has at most 15/,
    'the kept name carries its problem as a comment',
  );
});
