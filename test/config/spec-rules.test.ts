/**
 * The spec schema's rules for what a spec must hold and how its names and addresses are shaped
 * (issue 11, observations 2, 3 and 4): at least one node and at most 64, a size cap read before
 * parsing, host names as RFC 1123 allows them, portals with a real port, iSCSI names of the
 * three RFC 7143 forms, AD addresses and DNs. Every refusal is a ConfigError (exit 2) at
 * file:line:col with what was expected; what is legal still loads.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPORT_MAX_BYTES, SPEC_MAX_BYTES, WAIVERS_MAX_BYTES, loadSpec, loadWaivers } from '../../src/config/load.ts';
import { loadReport } from '../../src/engine/report-file.ts';
import { ConfigError, UsageError } from '../../src/engine/errors.ts';
import { loadFacts } from '../../src/engine/facts.ts';
import {
  dnProblem,
  dnsServerProblem,
  hostNameProblem,
  iqnProblem,
  portalProblem,
} from '../../src/config/validators.ts';

let dir = '';
let count = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clusterprobe-rules-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(text: string | Buffer, ext = 'yaml'): Promise<string> {
  count += 1;
  const path = join(dir, `spec-${count}.${ext}`);
  await writeFile(path, text);
  return path;
}

async function refusal(text: string, ext = 'yaml'): Promise<{ err: ConfigError; path: string }> {
  const path = await file(text, ext);
  try {
    await loadSpec(path);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return { err, path };
  }
  assert.fail(`expected a ConfigError, but this loaded:\n${text}`);
}

const NODE = 'nodes:\n  - name: hv01\n';

describe('at least one node (observation 2: an empty spec passed)', () => {
  const empties = [
    { name: 'a 0-byte file', text: '', ext: 'yaml' },
    { name: '{} in JSON', text: '{}', ext: 'json' },
    { name: '{} in YAML', text: '{}\n', ext: 'yaml' },
    { name: 'a comment only', text: '# cluster.yaml\n', ext: 'yaml' },
    { name: 'a cluster with no nodes key', text: 'cluster:\n  name: HVCLUSTER01\n', ext: 'yaml' },
  ];
  for (const c of empties) {
    it(`${c.name} is a config error at 1:1 saying a node is expected`, async () => {
      const { err, path } = await refusal(c.text, c.ext);
      assert.equal(err.problems.length, 1, err.message);
      const p = err.problems[0]!;
      assert.deepEqual([p.file, p.line, p.column, p.path], [path, 1, 1, 'nodes']);
      assert.match(p.message, /at least one node/);
      assert.match(p.message, /the key is missing/);
    });
  }

  it('nodes: [] is refused at the list', async () => {
    const { err } = await refusal('cluster:\n  name: HVCLUSTER01\nnodes: []\n');
    assert.deepEqual(
      err.problems.map((p) => [p.line, p.column, p.path]),
      [[3, 8, 'nodes']],
    );
    assert.match(err.problems[0]!.message, /at least one node.*empty list/);
  });

  it('one node loads (a one-node cluster is legal; config.nodes.count warns)', async () => {
    const { spec } = await loadSpec(await file(NODE));
    assert.deepEqual(spec.nodes, [{ name: 'hv01' }]);
  });
});

describe('limits (observation 3: a 10 MB, 200,000-node spec was parsed)', () => {
  const nodes = (n: number) => `nodes:\n${Array.from({ length: n }, (_, i) => `  - name: hv${i + 1}\n`).join('')}`;

  it('64 nodes load', async () => {
    const { spec } = await loadSpec(await file(nodes(64)));
    assert.equal(spec.nodes.length, 64);
  });

  it('65 nodes are refused at the list, saying 64 is the most', async () => {
    const { err } = await refusal(`cluster:\n  name: BIG\n${nodes(65)}`);
    assert.deepEqual(
      err.problems.map((p) => [p.line, p.column, p.path]),
      [[4, 3, 'nodes']],
    );
    assert.match(err.problems[0]!.message, /at most 64 nodes; got 65/);
  });

  it('a spec larger than 1 MiB is refused before parsing, naming the file, its size and the cap', async () => {
    // Not even YAML: were it parsed, the error would be a syntax error, not the size.
    const path = await file(Buffer.alloc(SPEC_MAX_BYTES + 1, '{'));
    await assert.rejects(loadSpec(path), (err: unknown) => {
      assert.ok(err instanceof UsageError && !(err instanceof ConfigError), String(err));
      assert.equal(err.exitCode, 2);
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, /is 1 MiB \(1048577 bytes\); a config file may be at most 1 MiB \(1048576 bytes\)/);
      return true;
    });
  });

  it('exactly 1 MiB is read (and judged on its content)', async () => {
    const text = `${NODE}#`.padEnd(SPEC_MAX_BYTES, 'x');
    const { spec } = await loadSpec(await file(text));
    assert.equal(spec.nodes.length, 1);
  });

  it('the 10 MB, 200,000-node spec of the issue is refused at once, with little memory', async () => {
    const big = `nodes:\n${Array.from({ length: 200_000 }, (_, i) => `  - name: hv${i}\n    fqdn: hv${i}.lab.example.test\n`).join('')}`;
    const path = await file(big);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    await assert.rejects(loadSpec(path), /is 10\.\d MiB \(\d+ bytes\); a config file may be at most 1 MiB/);
    assert.ok(performance.now() - started < 1000, 'refused without reading it');
    assert.ok(process.memoryUsage().rss - rssBefore < 64 * 1024 * 1024, 'not parsed into memory');
  });

  it('a waivers file has the same cap', async () => {
    const path = await file(Buffer.alloc(WAIVERS_MAX_BYTES + 10, ' '));
    await assert.rejects(
      loadWaivers(path),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message.includes(path) &&
        /waivers file may be at most 1 MiB/.test(err.message),
    );
  });

  it('a broken report with 5,000 findings is placed, not refused by the caps meant for specs', async () => {
    const findings = Array.from({ length: 5_000 }, (_, i) => ({
      checkId: 'config.netbios.name',
      subject: `hv${i}`,
      status: 'pass',
    }));
    const path = await file(JSON.stringify({ schemaVersion: 1, findings }, null, 1), 'json');
    await assert.rejects(loadReport(path), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(!/punctuation marks/.test(err.message), err.message.slice(0, 300));
      assert.ok(err.problems.every((p) => p.line >= 1 && p.column >= 1));
      return true;
    });
  });

  it('a facts file (--from-facts) has the report cap', async () => {
    const path = await file(Buffer.alloc(REPORT_MAX_BYTES + 1, ' '), 'json');
    await assert.rejects(
      loadFacts(path, {}),
      (err: unknown) =>
        err instanceof UsageError && /facts file may be at most 32 MiB/.test(err.message) && err.message.includes(path),
    );
  });

  it('a report has a larger cap (32 MiB): a spec-sized report loads, a larger one is refused unread', async () => {
    assert.equal(REPORT_MAX_BYTES, 32 * 1024 * 1024);
    const path = await file(Buffer.alloc(REPORT_MAX_BYTES + 1, ' '), 'json');
    await assert.rejects(
      loadReport(path),
      (err: unknown) =>
        err instanceof UsageError && /report may be at most 32 MiB \(33554432 bytes\)/.test(err.message),
    );
  });
});

interface Refused {
  readonly name: string;
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  /** The message must match (it says what was expected, and names the offending part). */
  readonly says: RegExp;
}

/** `text` is the spec in full; positions are 1-based. */
const refused: readonly Refused[] = [
  // Observation 4: names that are no host name, which reached PowerShell unquoted.
  {
    name: 'a quote in a node name',
    text: "nodes:\n  - name: hv01'x\n",
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /expected a host name \(letters, digits and hyphens, e\.g\. hv01\); got a quote \('\) in "hv01'x"/,
  },
  {
    name: 'a space in a node name',
    text: 'nodes:\n  - name: "hv 01"\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /expected a host name .*; got a space/,
  },
  {
    name: 'a dollar sign',
    text: 'nodes:\n  - name: hv$(calc)\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /got a dollar sign/,
  },
  {
    name: 'a backtick',
    text: 'nodes:\n  - name: "hv`01"\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /got a backtick/,
  },
  {
    name: 'typographic quotes',
    text: 'nodes:\n  - name: "hv‘01’"\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /got "‘" \(U\+2018, not ASCII\)/,
  },
  {
    name: 'a control character, shown escaped',
    text: 'nodes:\n  - name: "hv\\u001b[31m01"\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /got the control character U\+001B in "hv\\u001b\[31m01"/,
  },
  {
    name: 'a NetBIOS-forbidden character',
    text: 'nodes:\n  - name: "hv*01"\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /got "\*"/,
  },
  {
    name: 'a leading hyphen',
    text: 'nodes:\n  - name: -hv01\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /starting with a hyphen/,
  },
  {
    name: 'a trailing hyphen',
    text: 'nodes:\n  - name: hv01-\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /ending with a hyphen/,
  },
  {
    name: 'a 64-character label',
    text: `nodes:\n  - name: ${'h'.repeat(64)}\n`,
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /64 characters.*at most 63/,
  },
  {
    name: 'an FQDN as the node name',
    text: 'nodes:\n  - name: hv01.lab.example.test\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /without its domain.*fqdn/,
  },
  {
    name: 'an empty node name',
    text: 'nodes:\n  - name: ""\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    says: /expected a host name.*empty string/,
  },
  {
    name: 'a quote in the cluster name',
    text: `cluster:\n  name: "HVCL'01"\n${NODE}`,
    line: 2,
    column: 9,
    path: 'cluster.name',
    says: /expected a host name \(letters, digits and hyphens, e\.g\. HVCLUSTER01\); got a quote/,
  },
  {
    name: 'a quote in an fqdn',
    text: "nodes:\n  - name: hv01\n    fqdn: hv01'x.lab.example.test\n",
    line: 3,
    column: 11,
    path: 'nodes[0].fqdn',
    says: /expected a DNS name .*; got a quote/,
  },
  {
    name: 'an empty label in an fqdn',
    text: 'nodes:\n  - name: hv01\n    fqdn: hv01..lab.example.test\n',
    line: 3,
    column: 11,
    path: 'nodes[0].fqdn',
    says: /empty label/,
  },
  {
    name: 'an fqdn of 254 characters',
    text: `nodes:\n  - name: hv01\n    fqdn: ${`${'a'.repeat(62)}.`.repeat(4)}ab\n`,
    line: 3,
    column: 11,
    path: 'nodes[0].fqdn',
    says: /at most 253/,
  },
  {
    name: 'an fqdn that is neither a name nor an IPv4 address',
    text: 'nodes:\n  - name: hv01\n    fqdn: 10.0.0.321\n',
    line: 3,
    column: 11,
    path: 'nodes[0].fqdn',
    says: /expected a DNS name.*got "10\.0\.0\.321", which is neither a DNS name nor an IPv4 address/,
  },
  // Portals: a port 1..65535, IPv6 in brackets.
  {
    name: 'port 99999 (observation 4: an internal error later)',
    text: `${NODE}storage:\n  iscsi:\n    - portal: 10.0.0.20:99999\n`,
    line: 5,
    column: 15,
    path: 'storage.iscsi[0].portal',
    says: /expected a port 1\.\.65535 after the colon .*; got "99999"/,
  },
  {
    name: 'port 0',
    text: `${NODE}storage:\n  iscsi:\n    - portal: 10.0.0.20:0\n`,
    line: 5,
    column: 15,
    path: 'storage.iscsi[0].portal',
    says: /port 1\.\.65535/,
  },
  {
    name: 'an empty port',
    text: `${NODE}storage:\n  iscsi:\n    - portal: "10.0.0.20:"\n`,
    line: 5,
    column: 15,
    path: 'storage.iscsi[0].portal',
    says: /port 1\.\.65535/,
  },
  {
    name: 'an IPv4 address out of range',
    text: `${NODE}storage:\n  iscsi:\n    - portal: 10.0.0.300:3260\n`,
    line: 5,
    column: 15,
    path: 'storage.iscsi[0].portal',
    says: /not an IPv4 address/,
  },
  {
    name: 'IPv6 with a port, unbracketed and ambiguous',
    text: `${NODE}storage:\n  iscsi:\n    - portal: "fd00::20::3260"\n`,
    line: 5,
    column: 15,
    path: 'storage.iscsi[0].portal',
    says: /goes in brackets/,
  },
  {
    name: 'brackets around something not IPv6',
    text: `${NODE}storage:\n  iscsi:\n    - portal: "[san1]:3260"\n`,
    line: 5,
    column: 15,
    path: 'storage.iscsi[0].portal',
    says: /not an IPv6 address/,
  },
  {
    name: 'a quote in the portal host',
    text: `${NODE}storage:\n  iscsi:\n    - portal: "san1'x:3260"\n`,
    line: 5,
    column: 15,
    path: 'storage.iscsi[0].portal',
    says: /got a quote/,
  },
  // iSCSI names, RFC 7143 4.2.7.
  {
    name: 'an IQN month 13',
    text: 'nodes:\n  - name: hv01\n    iqn: iqn.1991-13.com.microsoft:hv01\n',
    line: 3,
    column: 10,
    path: 'nodes[0].iqn',
    says: /iqn\.YYYY-MM\./,
  },
  {
    name: 'an IQN with no date',
    text: 'nodes:\n  - name: hv01\n    iqn: iqn.com.microsoft:hv01\n',
    line: 3,
    column: 10,
    path: 'nodes[0].iqn',
    says: /iqn\.YYYY-MM\./,
  },
  {
    name: 'an IQN with a quote',
    text: "nodes:\n  - name: hv01\n    iqn: iqn.1991-05.com.microsoft:hv01'x\n",
    line: 3,
    column: 10,
    path: 'nodes[0].iqn',
    says: /letters, digits, "-", "\." and ":" only .*got a quote/,
  },
  {
    name: 'an IQN with an underscore',
    text: 'nodes:\n  - name: hv01\n    iqn: iqn.1991-05.com.microsoft:hv_01\n',
    line: 3,
    column: 10,
    path: 'nodes[0].iqn',
    says: /got "_"/,
  },
  {
    name: 'an IQN of 224 characters',
    text: `nodes:\n  - name: hv01\n    iqn: iqn.1991-05.com.microsoft:${'a'.repeat(224 - 26)}\n`,
    line: 3,
    column: 10,
    path: 'nodes[0].iqn',
    says: /at most 223/,
  },
  {
    name: 'an IQN with nothing after the colon',
    text: 'nodes:\n  - name: hv01\n    iqn: "iqn.1991-05.com.microsoft:"\n',
    line: 3,
    column: 10,
    path: 'nodes[0].iqn',
    says: /after the colon/,
  },
  {
    name: 'an eui. name of 15 digits',
    text: 'nodes:\n  - name: hv01\n    iqn: eui.02004567A425678\n',
    line: 3,
    column: 10,
    path: 'nodes[0].iqn',
    says: /16 hexadecimal digits/,
  },
  {
    name: 'an naa. name of 20 digits',
    text: 'nodes:\n  - name: hv01\n    iqn: naa.52004567BA64678D1234\n',
    line: 3,
    column: 10,
    path: 'nodes[0].iqn',
    says: /16 or 32 hexadecimal digits/,
  },
  {
    name: 'a host name as a target',
    text: `${NODE}storage:\n  iscsi:\n    - portal: 10.0.0.20\n      targets: [csv1]\n`,
    line: 6,
    column: 17,
    path: 'storage.iscsi[0].targets[0]',
    says: /starting iqn\., eui\. or naa\./,
  },
  // Active Directory.
  {
    name: 'a domain with a space',
    text: `${NODE}activeDirectory:\n  domain: lab example.test\n`,
    line: 4,
    column: 11,
    path: 'activeDirectory.domain',
    says: /expected a DNS name .*e\.g\. lab\.example\.test.*got a space/,
  },
  {
    name: 'an LDAP URL with port 99999',
    text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  servers: [ldaps://dc1.lab.example.test:99999]\n`,
    line: 5,
    column: 13,
    path: 'activeDirectory.servers[0]',
    says: /port 1\.\.65535/,
  },
  {
    name: 'an LDAP URL that is not one',
    text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  servers: [dc1.lab.example.test]\n`,
    line: 5,
    column: 13,
    path: 'activeDirectory.servers[0]',
    says: /expected an LDAP URL/,
  },
  {
    name: 'a DNS server given by name',
    text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  dnsServers: [dns.lab.example.test]\n`,
    line: 5,
    column: 16,
    path: 'activeDirectory.dnsServers[0]',
    says: /expected IP\[:PORT\].*not an IP address/,
  },
  {
    name: 'a DNS server on port 0',
    text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  dnsServers: ["10.0.0.10:0"]\n`,
    line: 5,
    column: 16,
    path: 'activeDirectory.dnsServers[0]',
    says: /port 1\.\.65535/,
  },
  {
    name: 'an OU that is not a DN',
    text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  ou: HyperV\n`,
    line: 5,
    column: 7,
    path: 'activeDirectory.ou',
    says: /expected a distinguished name .*not ATTRIBUTE=value/,
  },
  {
    name: 'an OU with an empty value',
    text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  ou: OU=,DC=lab\n`,
    line: 5,
    column: 7,
    path: 'activeDirectory.ou',
    says: /OU= with no value/,
  },
  {
    name: 'an LDAP URL in capitals (the AD code reads ldap:// and ldaps://)',
    text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  servers: [LDAPS://dc1.lab.example.test]\n`,
    line: 5,
    column: 13,
    path: 'activeDirectory.servers[0]',
    says: /expected an LDAP URL/,
  },
  {
    name: 'a certificate name with a slash',
    text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  tls: { serverName: dc1/lab }\n`,
    line: 5,
    column: 22,
    path: 'activeDirectory.tls.serverName',
    says: /got a slash/,
  },
];

describe('names and addresses: refused at file:line:col with what was expected (observation 4)', () => {
  for (const c of refused) {
    it(c.name, async () => {
      const { err, path } = await refusal(c.text);
      assert.equal(err.problems.length, 1, err.message);
      const p = err.problems[0]!;
      assert.deepEqual([p.file, p.line, p.column, p.path], [path, c.line, c.column, c.path], err.message);
      assert.match(p.message, c.says);
    });
  }
});

describe('what is legal still loads', () => {
  const legal = [
    {
      name: "the review lab's 18-character names (the NetBIOS checks report them, not the loader)",
      text: 'nodes:\n  - name: HYPERVHOSTNODE-01A\n  - name: HYPERVHOSTNODE-01B\n',
    },
    {
      name: 'an underscore (Windows allows it; config.netbios.name warns)',
      text: 'nodes:\n  - name: hv_01\n    fqdn: hv_01.lab.example.test\n',
    },
    { name: 'an all-digit name (config.netbios.name fails it)', text: 'nodes:\n  - name: "1234"\n' },
    { name: '63 characters', text: `nodes:\n  - name: ${'h'.repeat(63)}\n` },
    { name: 'an fqdn with a final dot', text: 'nodes:\n  - name: hv01\n    fqdn: hv01.lab.example.test.\n' },
    {
      name: 'an IP address as the fqdn (a node reached by address: nodes.reachable explains TrustedHosts)',
      text: 'nodes:\n  - name: hv01\n    fqdn: 10.0.0.31\n  - name: hv02\n    fqdn: "fd00::32"\n',
    },
    {
      name: 'eui. and naa. names, upper-case IQNs',
      text: 'nodes:\n  - name: hv01\n    iqn: eui.02004567A425678D\n  - name: hv02\n    iqn: naa.52004567BA64678D\n  - name: hv03\n    iqn: IQN.1991-05.COM.MICROSOFT:HV03\n  - name: hv04\n    iqn: naa.6001405ab4a2d4b1c2d3e4f5a6b7c8d9\n',
    },
    {
      name: 'portals: IPv4, a name, IPv6 with and without brackets, ports 1 and 65535',
      text: `${NODE}storage:\n  iscsi:\n    - portal: 10.0.0.20\n    - portal: san1.lab.example.test:3260\n    - portal: "[fd00::20]:3260"\n    - portal: "fd00::20"\n    - portal: 10.0.0.20:1\n    - portal: 10.0.0.20:65535\n`,
    },
    {
      name: 'AD addresses',
      text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  servers: [ldaps://dc1.lab.example.test, "ldap://10.0.0.10:389/", "ldaps://[fd00::10]:636"]\n  dnsServers: [10.0.0.10, "10.0.0.10:5353", "::1", "[fd00::10]:53"]\n  ou: "OU=Hyper-V\\\\, Prod,OU=Servers,DC=lab,DC=example,DC=test"\n  tls: { serverName: dc1.lab.example.test }\n`,
    },
    {
      name: 'a certificate name that is an IP address',
      text: `${NODE}activeDirectory:\n  domain: lab.example.test\n  servers: [ldaps://10.0.0.10]\n  tls: { serverName: 10.0.0.10 }\n`,
    },
  ];
  for (const c of legal) {
    it(c.name, async () => {
      await loadSpec(await file(c.text));
    });
  }
});

describe('the validators, as the wizard uses them', () => {
  it('agree with the loader on the observation 4 values', () => {
    assert.match(String(hostNameProblem("hv01'x")), /got a quote/);
    assert.equal(hostNameProblem('HYPERVHOSTNODE-01A'), undefined);
    assert.match(String(portalProblem('10.0.0.20:99999')), /port 1\.\.65535/);
    assert.equal(portalProblem('[fd00::20]:3260'), undefined);
    assert.equal(iqnProblem('iqn.2026-11.example:csv1'), undefined);
    assert.equal(dnsServerProblem('[::1]:53'), undefined);
    assert.equal(dnProblem('CN=Computers,DC=lab,DC=example,DC=test'), undefined);
  });
});
