import type { Check } from '../../src/engine/contract.ts';
import type { RemediationStep } from '../../src/engine/report.ts';
import type { AdAttempt, AdFacts } from '../../src/ad/probe.ts';
import { BIND_DATA_CODES } from '../../src/ad/errors.ts';
import { parseLdapUrl } from '../../src/ad/connection.ts';

const messages = {
  connected: 'Bound to {server} as {user} over {tlsMode} (DC {dc})',
  anonymous: 'Connected to {server} over {tlsMode} without credentials: the checks that read rights and groups need activeDirectory.bind',
  insecure: '{server}: certificate verification is off (tls.insecureSkipVerify): anyone between here and the DC could read the bind password',
  strongAuthRequired: '{server} refused a simple bind in clear text: it requires LDAPS, StartTLS or signing',
  invalidCredentials: '{server} rejected the bind as {user}: {reason} (LDAP 49, data {dataCode})',
  untrustedCertificate: '{server} presented a certificate that is not trusted here ({subject}, issued by {issuer})',
  nameMismatch: '{server}: the certificate names {altNames}, not {expected}',
  tlsFailed: '{server}: the TLS handshake failed: {error}',
  refused: '{server} refused the connection: nothing listens on port {port}',
  timeout: '{server} did not answer within the time limit (at the {step} step)',
  unreachable: '{server} is unreachable from here (no route)',
  dnsFailed: '{server}: the host name does not resolve',
  connectionLost: '{server} closed the connection at the {step} step: {error}',
  error: '{server}: {step} failed: {error}',
  noServer: 'No domain controller to connect to: discovery found none (see ad.dc.discovery)',
  setupFailed: '{error}: nothing was sent to a domain controller',
  notConfigured: 'The spec has no activeDirectory section: nothing to check',
} as const;

type AttemptMessage = Exclude<keyof typeof messages, 'connected' | 'anonymous' | 'insecure' | 'noServer' | 'setupFailed' | 'notConfigured'>;
const ATTEMPT_MESSAGES = new Set<string>(['strongAuthRequired', 'invalidCredentials', 'untrustedCertificate', 'nameMismatch', 'tlsFailed', 'refused', 'timeout', 'unreachable', 'dnsFailed', 'connectionLost', 'error'] satisfies AttemptMessage[]);

function samOf(upn: string): string {
  return upn.split('@')[0] ?? upn;
}

function fixFor(a: AdAttempt, user: string | undefined): { summary: string; steps: RemediationStep[] } {
  const { host, port } = parseLdapUrl(a.server);
  const reach = { shell: 'powershell' as const, command: `Test-NetConnection -ComputerName ${host} -Port ${port}`, runOn: 'this machine or a node' };
  switch (a.status) {
    case 'strongAuthRequired':
      return {
        summary: 'Use LDAPS or StartTLS',
        steps: [
          { text: `Point activeDirectory.servers at ldaps://${host} (port 636), or keep ldap:// and set activeDirectory.tls.startTls: true. The DC requires a protected bind: Windows DCs with "Domain controller: LDAP server signing requirements" set to require signing, and Samba by default (ldap server require strong auth = yes).`, commands: [{ shell: 'powershell', command: `Test-NetConnection -ComputerName ${host} -Port 636`, runOn: 'this machine' }] },
          { text: 'On Samba, see the setting (do not weaken it: use TLS instead):', commands: [{ shell: 'sh', command: "testparm -sv 2>/dev/null | grep 'ldap server require strong auth'", runOn: host }] },
        ],
      };
    case 'invalidCredentials': {
      const known = a.dataCode ? BIND_DATA_CODES[a.dataCode] : undefined;
      const sam = samOf(user ?? '<user>');
      return {
        summary: known ? `The bind account: ${known.reason}` : 'Check the bind account and password',
        steps: [
          known ? { text: known.fix, ...(known.command ? { commands: [{ shell: 'powershell' as const, command: known.command.replaceAll('<user>', sam), runOn: 'a machine with the AD PowerShell module' }] } : {}) } : { text: 'Check the user principal name in activeDirectory.bind.user and the password its secret reference resolves to.' },
          { text: 'See the account\'s state:', commands: [{ shell: 'powershell', command: `Get-ADUser -Identity ${sam} -Properties Enabled,LockedOut,PasswordExpired,AccountExpirationDate,userPrincipalName`, runOn: 'a machine with the AD PowerShell module' }, { shell: 'sh', command: `samba-tool user show ${sam}`, runOn: 'a Samba DC' }] },
          { text: 'Samba answers data 52e both for a wrong password and for a user that does not exist; Windows DCs answer 525 for the latter.' },
        ],
      };
    }
    case 'untrustedCertificate':
      return {
        summary: 'Trust the CA that signed the DC\'s certificate',
        steps: [
          { text: `Give that CA (PEM) in activeDirectory.tls.caFile${a.certificate?.issuer ? `: the issuer is ${a.certificate.issuer}` : ''}. Export it from an Active Directory Certificate Services CA and convert it to PEM:`, commands: [{ shell: 'powershell', command: 'certutil -ca.cert ca.cer; certutil -encode ca.cer ca.pem', runOn: 'the issuing CA' }] },
          { text: 'On Samba the CA it generated is in its private directory:', commands: [{ shell: 'sh', command: 'ls "$(samba -b | sed -n \'s/^ *PRIVATE_DIR: //p\')/tls/ca.pem"', runOn: host }] },
          { text: 'See the chain the DC sends:', commands: [{ shell: 'sh', command: `openssl s_client -connect ${host}:${port} -showcerts </dev/null`, runOn: 'this machine' }] },
        ],
      };
    case 'nameMismatch':
      return {
        summary: 'Connect by a name the certificate carries',
        steps: [{ text: `The certificate carries ${a.certificate?.altNames ?? a.certificate?.subject ?? 'other names'}. Use one of them in activeDirectory.servers, or set activeDirectory.tls.serverName to it (when you connect by IP address or an alias).` }],
      };
    case 'refused':
    case 'timeout':
    case 'unreachable':
      return {
        summary: `Make ${host}:${port} reachable`,
        steps: [
          { text: `Check that the directory service runs on ${host} and that TCP ${port} is open on the way (LDAPS 636, LDAP/StartTLS 389).`, commands: [{ shell: 'powershell', command: 'Get-Service NTDS', runOn: host }, { shell: 'sh', command: 'systemctl status samba-ad-dc', runOn: `${host} (Samba)` }] },
          { text: 'Then test from here:', commands: [reach] },
        ],
      };
    case 'dnsFailed':
      return { summary: `Resolve ${host}`, steps: [{ text: `The name ${host} does not resolve here: add activeDirectory.dnsServers (the domain's DNS) or write an address the certificate names.`, commands: [{ shell: 'powershell', command: `Resolve-DnsName ${host}`, runOn: 'this machine' }] }] };
    default:
      return { summary: `Check the connection to ${host}`, steps: [{ text: `The ${a.step ?? 'connect'} step failed: ${a.message ?? a.status}.`, commands: [reach] }] };
  }
}

const check = {
  meta: {
    id: 'ad.connect',
    title: 'clusterprobe can connect to a domain controller securely and bind',
    area: 'ad',
    description: 'Each DC from activeDirectory.servers (or DNS SRV discovery) in turn, until one works: TCP, TLS (LDAPS or StartTLS, certificate verified against tls.caFile), the rootDSE, and a simple bind with the configured user principal name. Every failed attempt is a finding naming the server and the step.',
    why: 'Every other ad.* check reads the directory through this connection. A refused bind hides behind vague messages elsewhere: a reset connection that really means "use TLS", error 49 whose data code says locked out or expired.',
    docs: 'docs/checks/ad.connect.md',
    severity: 'fail',
    facts: ['ad.directory'],
    messages,
    remediations: ['Use ldaps:// or StartTLS; trust the DC\'s CA (tls.caFile); fix the bind account as its data code says.'],
  },
  async run(ctx) {
    const facts = await ctx.fact<AdFacts | null>('ad.directory');
    if (!facts) {
      ctx.report({ status: 'skipped', messageId: 'notConfigured' });
      return;
    }
    const spec = await ctx.fact<{ activeDirectory?: { bind?: { user: string; password: string } } }>('spec');
    const user = spec.activeDirectory?.bind?.user;
    if (facts.setupError) {
      const { key, message } = facts.setupError;
      const steps =
        key === 'activeDirectory.tls.caFile'
          ? [{ text: 'Point activeDirectory.tls.caFile at the PEM file of the CA that signed the DC\'s certificate (a path relative to the spec file).' }]
          : [{ text: `Provide the password the reference ${spec.activeDirectory?.bind?.password ?? ''} names: for env:NAME set that variable for the run; for file:PATH create the file (one line); prompt asks on a terminal only.`, commands: [{ shell: 'sh' as const, command: 'read -rs CLUSTERPROBE_AD_PASSWORD && export CLUSTERPROBE_AD_PASSWORD', runOn: 'this machine' }] }];
      ctx.report({ status: 'fail', messageId: 'setupFailed', subject: key, data: { key, error: message }, remediation: { summary: `Fix ${key}`, steps } });
      return;
    }
    const worked = facts.connection !== undefined;
    for (const a of facts.attempts) {
      if (a.status === 'ok' || !ATTEMPT_MESSAGES.has(a.status)) continue;
      const { port } = parseLdapUrl(a.server);
      const known = a.dataCode ? BIND_DATA_CODES[a.dataCode] : undefined;
      const data = { server: a.server, step: a.step ?? 'connect', port, user: user ?? '-', dataCode: a.dataCode ?? '-', reason: known?.reason ?? 'rejected', subject: a.certificate?.subject ?? '?', issuer: a.certificate?.issuer ?? '?', altNames: a.certificate?.altNames ?? '?', expected: parseLdapUrl(a.server).host, error: a.message ?? a.status };
      // A DC that failed while another worked still needs fixing, but the checks could run.
      ctx.report({ status: worked ? 'warn' : 'fail', messageId: a.status as AttemptMessage, subject: a.server, data, evidence: { attempt: a }, remediation: fixFor(a, user) });
    }
    if (!worked) {
      if (facts.attempts.length === 0) ctx.report({ status: 'fail', messageId: 'noServer', subject: facts.domain, data: { domain: facts.domain }, evidence: { discovery: facts.discovery }, remediation: { summary: 'Name a DC or fix discovery', steps: [{ text: 'List the DCs in activeDirectory.servers (ldaps://dc1.example.com), or fix the SRV records (see ad.dc.discovery).' }] } });
      return;
    }
    const c = facts.connection!;
    const data = { server: c.server, tlsMode: c.tlsMode === 'ldaps' ? 'LDAPS' : c.tlsMode === 'starttls' ? 'StartTLS' : 'plain LDAP', user: c.boundAs ?? '-', dc: c.dnsHostName ?? '?' };
    const evidence = { connection: c, attempts: facts.attempts, operations: facts.operations };
    if (c.boundAs) ctx.report({ status: 'pass', messageId: 'connected', subject: c.server, data, evidence });
    else ctx.report({ status: 'warn', messageId: 'anonymous', subject: c.server, data, evidence, remediation: { summary: 'Give clusterprobe an account to bind with', steps: [{ text: 'Set activeDirectory.bind.user (a user principal name) and activeDirectory.bind.password (env:NAME, file:PATH or prompt). The account that will create the cluster is the one to test.' }] } });
    if (c.insecure) {
      ctx.report({ status: 'warn', messageId: 'insecure', subject: c.server, data, evidence, remediation: { summary: 'Turn certificate verification back on', steps: [{ text: 'Remove activeDirectory.tls.insecureSkipVerify and give the DC\'s CA in activeDirectory.tls.caFile instead (see the untrustedCertificate fix).' }] } });
    }
  },
} satisfies Check;

export default check;
