import type { Check, CheckContext } from '../../src/engine/contract.ts';
import type { RemediationStep } from '../../src/engine/report.ts';
import type { AdAttempt, AdFacts } from '../../src/facts/index.ts';
import { BIND_DATA_CODES } from './lib/bind-codes.ts';
import { ADWS_PORT, parseLdapUrl } from '../../src/facts/ad-endpoints.ts';
import { windowsFix } from '../shared/lib/windows-fix.ts';
import { secretFix } from '../shared/lib/secret-fix.ts';
import { describeResolverFailure, resolverSteps, resolverSummary } from './lib/resolver-fix.ts';
import { cmdQuote, placeholder, psQuote, shQuote } from '../../src/quote.ts';
import { AD_GATE_MESSAGES, adFactsOrSkip } from './lib/gate.ts';

const messages = {
  connected: 'Bound to {server} as {user} over {tlsMode} (DC {dc})',
  anonymous:
    'Connected to {server} over {tlsMode} without credentials: the checks that read rights and groups need activeDirectory.bind',
  insecure:
    '{server}: certificate verification is off (tls.insecureSkipVerify): anyone between here and the DC could read the bind password',
  strongAuthRequired: '{server} refused a simple bind in clear text: it requires LDAPS, StartTLS or signing',
  invalidCredentials: '{server} rejected the bind as {user}: {reason} (LDAP 49, data {dataCode})',
  untrustedCertificate: '{server} presented a certificate that is not trusted here ({subject}, issued by {issuer})',
  nameMismatch: '{server}: the certificate names {altNames}, not {expected}',
  tlsFailed: '{server}: the TLS handshake failed: {error}',
  refused: '{server} refused the connection: nothing listens on port {port}',
  timeout: '{server} did not answer within the time limit (at the {step} step)',
  unreachable: '{server} is unreachable from here (no route)',
  dnsFailed: '{server}: the host name does not resolve',
  resolverFailed: '{server}: the host name {host} could not be resolved: {resolver}',
  connectionLost: '{server} closed the connection at the {step} step: {error}',
  error: '{server}: {step} failed: {error}',
  noServer: 'No domain controller to connect to: discovery found none (see ad.dc.discovery)',
  setupFailed: '{error}: nothing was sent to a domain controller',
  ...AD_GATE_MESSAGES,
  kerberos: 'Read as {user} through the ActiveDirectory module (Kerberos) from {server}',
  moduleMissing:
    'The ActiveDirectory PowerShell module is not installed on this machine: without activeDirectory.bind, clusterprobe reads the directory through it as the logged-in user',
  powershellFailed: 'Reading the directory through PowerShell ({executable}) failed: {error}',
  moduleNoDc:
    'The ActiveDirectory module found no domain controller of {domain} running Active Directory Web Services: {error}',
  adwsUnreachable:
    '{server}: the ActiveDirectory module could not reach Active Directory Web Services (TCP {port}): {error}',
  kerberosRejected: '{server} did not accept the logged-in user {user}: {error}',
  moduleAccessDenied: '{server} denied the logged-in user {user} access: {error}',
  moduleError: '{server}: the ActiveDirectory module failed at the {step} step: {error}',
} as const;

type AttemptMessage = Exclude<
  keyof typeof messages,
  'connected' | 'anonymous' | 'insecure' | 'noServer' | 'setupFailed' | 'notConfigured'
>;
const ATTEMPT_MESSAGES = new Set<string>([
  'resolverFailed',
  'strongAuthRequired',
  'invalidCredentials',
  'untrustedCertificate',
  'nameMismatch',
  'tlsFailed',
  'refused',
  'timeout',
  'unreachable',
  'dnsFailed',
  'connectionLost',
  'error',
] satisfies AttemptMessage[]);
const THIS_MACHINE = 'this machine';
const LDAP_INSTEAD: RemediationStep = {
  text: 'Or read the directory over LDAPS with a password instead: set activeDirectory.bind (user principal name and a secret reference) and, if needed, activeDirectory.servers and tls.caFile.',
};

function samOf(upn: string): string {
  return upn.split('@')[0] ?? upn;
}

function fixFor(a: AdAttempt, user: string | undefined): { summary: string; steps: RemediationStep[] } {
  const { host, port } = parseLdapUrl(a.server);
  const reach = {
    shell: 'powershell' as const,
    command: `Test-NetConnection -ComputerName ${psQuote(host)} -Port ${port}`,
    runOn: 'this machine or a node',
  };
  switch (a.status) {
    case 'strongAuthRequired':
      return {
        summary: 'Use LDAPS or StartTLS',
        steps: [
          {
            text: `Point activeDirectory.servers at ldaps://${host} (port 636), or keep ldap:// and set activeDirectory.tls.startTls: true. The DC requires a protected bind: Windows DCs with "Domain controller: LDAP server signing requirements" set to require signing, and Samba by default (ldap server require strong auth = yes).`,
            commands: [
              {
                shell: 'powershell',
                command: `Test-NetConnection -ComputerName ${psQuote(host)} -Port 636`,
                runOn: 'this machine',
              },
            ],
          },
          {
            text: 'On Samba, see the setting (do not weaken it: use TLS instead):',
            commands: [
              {
                shell: 'sh',
                command: "testparm -sv 2>/dev/null | grep 'ldap server require strong auth'",
                runOn: host,
              },
            ],
          },
        ],
      };
    case 'invalidCredentials': {
      const known = a.dataCode ? BIND_DATA_CODES[a.dataCode] : undefined;
      const sam = user !== undefined ? samOf(user) : undefined;
      const samPs = sam !== undefined ? psQuote(sam) : placeholder('user', 'powershell');
      return {
        summary: known ? `The bind account: ${known.reason}` : 'Check the bind account and password',
        steps: [
          known
            ? {
                text: known.fix,
                ...(known.command
                  ? {
                      commands: [
                        {
                          shell: 'powershell' as const,
                          command: known.command.replaceAll('<user>', samPs),
                          runOn: 'a machine with the AD PowerShell module',
                        },
                      ],
                    }
                  : {}),
              }
            : {
                text: 'Check the user principal name in activeDirectory.bind.user and the password its secret reference resolves to.',
              },
          {
            text: "See the account's state:",
            commands: [
              {
                shell: 'powershell',
                command: `Get-ADUser -Identity ${samPs} -Properties Enabled,LockedOut,PasswordExpired,AccountExpirationDate,userPrincipalName`,
                runOn: 'a machine with the AD PowerShell module',
              },
              {
                shell: 'sh',
                command: `samba-tool user show ${sam !== undefined ? shQuote(sam) : placeholder('user', 'sh')}`,
                runOn: 'a Samba DC',
              },
            ],
          },
          {
            text: 'Samba answers data 52e both for a wrong password and for a user that does not exist; Windows DCs answer 525 for the latter.',
          },
        ],
      };
    }
    case 'untrustedCertificate':
      return {
        summary: "Trust the CA that signed the DC's certificate",
        steps: [
          {
            text: `Give that CA (PEM) in activeDirectory.tls.caFile${a.certificate?.issuer ? `: the issuer is ${a.certificate.issuer}` : ''}. Export it from an Active Directory Certificate Services CA and convert it to PEM:`,
            commands: [
              {
                shell: 'cmd',
                command: 'certutil -ca.cert ca.cer && certutil -encode ca.cer ca.pem',
                runOn: 'the issuing CA',
              },
            ],
          },
          {
            text: 'On Samba the CA it generated is in its private directory:',
            commands: [
              { shell: 'sh', command: 'ls "$(samba -b | sed -n \'s/^ *PRIVATE_DIR: //p\')/tls/ca.pem"', runOn: host },
            ],
          },
          {
            text: 'See the chain the DC sends:',
            commands: [
              {
                shell: 'sh',
                command: `openssl s_client -connect ${shQuote(`${host}:${port}`)} -showcerts </dev/null`,
                runOn: 'this machine',
              },
            ],
          },
        ],
      };
    case 'nameMismatch':
      return {
        summary: 'Connect by a name the certificate carries',
        steps: [
          {
            text: `The certificate carries ${a.certificate?.altNames ?? a.certificate?.subject ?? 'other names'}. Use one of them in activeDirectory.servers, or set activeDirectory.tls.serverName to it (when you connect by IP address or an alias).`,
          },
        ],
      };
    case 'refused':
    case 'timeout':
    case 'unreachable':
      return {
        summary: `Make ${host}:${port} reachable`,
        steps: [
          {
            text: `Check that the directory service runs on ${host} and that TCP ${port} is open on the way (LDAPS 636, LDAP/StartTLS 389).`,
            commands: [
              { shell: 'powershell', command: 'Get-Service NTDS', runOn: host },
              { shell: 'sh', command: 'systemctl status samba-ad-dc', runOn: `${host} (Samba)` },
            ],
          },
          { text: 'Then test from here:', commands: [reach] },
        ],
      };
    case 'dnsFailed':
      if (a.resolver)
        return {
          summary: resolverSummary(a.resolver, host),
          steps: [
            ...resolverSteps(a.resolver, { type: 'A', name: host }),
            {
              text: `Or write an address in activeDirectory.servers (ldaps://<address>) and set activeDirectory.tls.serverName to ${host}, the name in the DC's certificate.`,
            },
          ],
        };
      return {
        summary: `Resolve ${host}`,
        steps: [
          {
            text: `The name ${host} does not resolve here: add activeDirectory.dnsServers (the domain's DNS) or write an address the certificate names.`,
            commands: [{ shell: 'powershell', command: `Resolve-DnsName ${psQuote(host)}`, runOn: 'this machine' }],
          },
        ],
      };
    default:
      return {
        summary: `Check the connection to ${host}`,
        steps: [{ text: `The ${a.step ?? 'connect'} step failed: ${a.message ?? a.status}.`, commands: [reach] }],
      };
  }
}

type ModuleAttemptMessage =
  | 'moduleNoDc'
  | 'adwsUnreachable'
  | 'kerberosRejected'
  | 'moduleAccessDenied'
  | 'moduleError';

/** A DC the ActiveDirectory module could not use (or discovery through it), as a message and its fix. */
function moduleAttempt(
  a: AdAttempt,
  domain: string,
): { messageId: ModuleAttemptMessage; summary: string; steps: RemediationStep[] } {
  const server = a.server;
  if (a.step === 'discovery') {
    return {
      messageId: 'moduleNoDc',
      summary: `Make this machine find a DC of ${domain}, or name one`,
      steps: [
        {
          text: `The module finds a DC the way Windows does (the domain's SRV records, then the site): this machine must be joined to ${domain} (or a domain that trusts it) and use the domain's DNS servers. See what Windows finds:`,
          commands: [
            { shell: 'cmd', command: `nltest /dsgetdc:${cmdQuote(domain)}`, runOn: THIS_MACHINE },
            {
              shell: 'powershell',
              command: `Get-ADDomainController -Discover -DomainName ${psQuote(domain)} -Service ADWS`,
              runOn: THIS_MACHINE,
            },
            {
              shell: 'powershell',
              command: `Resolve-DnsName -Type SRV ${psQuote(`_ldap._tcp.dc._msdcs.${domain}`)}`,
              runOn: THIS_MACHINE,
            },
          ],
        },
        {
          text: 'Or list the DCs in activeDirectory.servers (ldaps://dc1.example.com: the host name is what the module connects to).',
        },
        LDAP_INSTEAD,
      ],
    };
  }
  switch (a.windows?.code) {
    case 'unreachable':
    case 'timeout':
      return {
        messageId: 'adwsUnreachable',
        summary: `Make Active Directory Web Services on ${server} reachable (TCP ${ADWS_PORT})`,
        steps: [
          {
            text: `The ActiveDirectory module talks to a DC's Active Directory Web Services (ADWS, TCP ${ADWS_PORT}), not to LDAP. ADWS comes with the AD DS role since Windows Server 2008 R2; a Samba DC has none (use activeDirectory.bind over LDAPS with it). Check that the service runs and the port is open on the way:`,
            commands: [
              { shell: 'powershell', command: 'Get-Service ADWS', runOn: server },
              { shell: 'powershell', command: 'Start-Service ADWS', runOn: server },
              {
                shell: 'powershell',
                command: `Test-NetConnection -ComputerName ${psQuote(server)} -Port ${ADWS_PORT}`,
                runOn: THIS_MACHINE,
              },
            ],
          },
          LDAP_INSTEAD,
        ],
      };
    case 'authFailed':
      return {
        messageId: 'kerberosRejected',
        summary: 'Log on to this machine as a domain user',
        steps: [
          {
            text: `Without activeDirectory.bind the module authenticates as the logged-in Windows user (Kerberos): that must be a domain account (not a local one), on a machine joined to the domain, with a clock within 5 minutes of ${server} (see ad.time.skew). See who you are and which Kerberos tickets you hold; after a password change or group change, purge them and log on again:`,
            commands: [
              { shell: 'cmd', command: 'whoami /upn', runOn: THIS_MACHINE },
              { shell: 'cmd', command: 'klist', runOn: THIS_MACHINE },
              { shell: 'cmd', command: 'klist purge', runOn: THIS_MACHINE },
            ],
          },
          LDAP_INSTEAD,
        ],
      };
    case 'accessDenied':
      return {
        messageId: 'moduleAccessDenied',
        summary: 'Run clusterprobe as a domain user that may read the directory',
        steps: [
          {
            text: 'Any authenticated domain user may read what clusterprobe reads, unless a deny ACE or a restricted account takes that away. Run it as the account that will create the cluster; see its groups:',
            commands: [{ shell: 'cmd', command: 'whoami /groups', runOn: THIS_MACHINE }],
          },
          LDAP_INSTEAD,
        ],
      };
    default:
      return {
        messageId: 'moduleError',
        summary: `Check the ActiveDirectory module against ${server}`,
        steps: [
          {
            text: `The module reported: ${a.message ?? a.status}. Run the same read by hand to see it in full:`,
            commands: [
              { shell: 'powershell', command: `Get-ADRootDSE -Server ${psQuote(server)}`, runOn: THIS_MACHINE },
            ],
          },
          LDAP_INSTEAD,
        ],
      };
  }
}

/** No DC to try: none configured and none discovered. `extra` joins the discovery in the evidence. */
function reportNoServer(ctx: CheckContext, facts: AdFacts, extra: Record<string, unknown> = {}): void {
  ctx.report({
    status: 'fail',
    messageId: 'noServer',
    subject: facts.domain,
    data: { domain: facts.domain },
    evidence: { discovery: facts.discovery, ...extra },
    remediation: {
      summary: 'Name a DC or fix discovery',
      steps: [
        {
          text: 'List the DCs in activeDirectory.servers (ldaps://dc1.example.com), or fix the SRV records (see ad.dc.discovery).',
        },
      ],
    },
  });
}

/** ad.connect for facts read through the ActiveDirectory module as the logged-in user. */
function reportPowerShell(ctx: CheckContext, facts: AdFacts): void {
  const ps = facts.powershell;
  const executable = ps?.executable ?? 'PowerShell';
  const failure = ps?.failure;
  if (failure) {
    const steps = [...windowsFix(failure), LDAP_INSTEAD];
    if (failure.code === 'moduleMissing') {
      ctx.report({
        status: 'fail',
        messageId: 'moduleMissing',
        subject: failure.module ?? 'ActiveDirectory',
        data: {
          module: failure.module ?? 'ActiveDirectory',
          executable,
          error: failure.record?.message ?? failure.cause,
        },
        evidence: { failure },
        remediation: {
          summary: 'Install the ActiveDirectory PowerShell module (RSAT), or give activeDirectory.bind',
          steps,
        },
      });
    } else {
      ctx.report({
        status: 'fail',
        messageId: 'powershellFailed',
        subject: executable,
        data: { executable, code: failure.code, error: failure.cause },
        evidence: { failure },
        remediation: { summary: 'Make the PowerShell read of the directory work, or give activeDirectory.bind', steps },
      });
    }
    return;
  }
  const c = facts.connection;
  for (const a of facts.attempts) {
    if (a.status === 'ok') continue;
    const { messageId, summary, steps } = moduleAttempt(a, facts.domain);
    const data = {
      server: a.server,
      domain: facts.domain,
      step: a.step ?? 'connect',
      port: ADWS_PORT,
      user: c?.boundAs ?? 'the logged-in user',
      code: a.windows?.code ?? a.status,
      error: a.message ?? a.status,
    };
    ctx.report({
      status: c ? 'warn' : 'fail',
      messageId,
      subject: a.server,
      data,
      evidence: { attempt: a, executable },
      remediation: { summary, steps },
    });
  }
  if (!c) {
    if (facts.attempts.length === 0) reportNoServer(ctx, facts, { executable });
    return;
  }
  ctx.report({
    status: 'pass',
    messageId: 'kerberos',
    subject: c.server,
    data: { server: c.server, tlsMode: 'Kerberos', user: c.boundAs ?? '-', dc: c.dnsHostName ?? c.server },
    evidence: { connection: c, attempts: facts.attempts, operations: facts.operations, executable },
  });
}

const check = {
  meta: {
    id: 'ad.connect',
    title: 'clusterprobe can connect to a domain controller securely and bind',
    area: 'ad',
    description:
      'Each DC from activeDirectory.servers (or DNS SRV discovery) in turn, until one works: TCP, TLS (LDAPS or StartTLS, certificate verified against tls.caFile), the rootDSE, and a simple bind with the configured user principal name. Without activeDirectory.bind on Windows, the ActiveDirectory PowerShell module as the logged-in user (Kerberos) instead: the DC it finds or each configured one, and its Active Directory Web Services. Every failed attempt is a finding naming the server and the step.',
    why: 'Every other ad.* check reads the directory through this connection. A refused bind hides behind vague messages elsewhere: a reset connection that really means "use TLS", error 49 whose data code says locked out or expired.',
    docs: 'docs/checks/ad.connect.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      "Use ldaps:// or StartTLS; trust the DC's CA (tls.caFile); fix the bind account as its data code says.",
      'Without activeDirectory.bind: install the ActiveDirectory module (Install-WindowsFeature RSAT-AD-PowerShell, or Add-WindowsCapability -Online -Name Rsat.ActiveDirectory.DS-LDS.Tools~~~~0.0.1.0), log on as a domain user, and make ADWS (TCP 9389) on a DC reachable.',
    ],
  },
  async run(ctx) {
    const facts = await adFactsOrSkip(ctx);
    if (!facts) return;
    if (facts.source === 'powershell') {
      reportPowerShell(ctx, facts);
      return;
    }
    const spec = await ctx.fact('spec');
    const user = spec.activeDirectory?.bind?.user;
    if (facts.setupError) {
      const { key, message } = facts.setupError;
      const ref = spec.activeDirectory?.bind?.password;
      const remediation =
        key === 'activeDirectory.tls.caFile'
          ? {
              summary: `Fix ${key}`,
              steps: [
                {
                  text: "Point activeDirectory.tls.caFile at the PEM file of the CA that signed the DC's certificate (a path relative to the spec file).",
                },
              ],
            }
          : facts.setupError.secret
            ? secretFix(facts.setupError.secret)
            : {
                summary: `Fix ${key}`,
                steps: [
                  {
                    text: `Provide the password the reference ${ref ?? ''} names: for env:NAME set that variable in the shell that runs clusterprobe; for file:PATH create the file (one line); prompt asks on a terminal only.`,
                  },
                ],
              };
      ctx.report({
        status: 'fail',
        messageId: 'setupFailed',
        subject: key,
        data: { key, error: message },
        remediation,
      });
      return;
    }
    const worked = facts.connection !== undefined;
    for (const a of facts.attempts) {
      if (a.status === 'ok' || !ATTEMPT_MESSAGES.has(a.status)) continue;
      const { port } = parseLdapUrl(a.server);
      const known = a.dataCode ? BIND_DATA_CODES[a.dataCode] : undefined;
      const data = {
        server: a.server,
        host: parseLdapUrl(a.server).host,
        ...(a.resolver ? { resolver: describeResolverFailure(a.resolver), failures: a.resolver.failures } : {}),
        step: a.step ?? 'connect',
        port,
        user: user ?? '-',
        dataCode: a.dataCode ?? '-',
        reason: known?.reason ?? 'rejected',
        subject: a.certificate?.subject ?? '?',
        issuer: a.certificate?.issuer ?? '?',
        altNames: a.certificate?.altNames ?? '?',
        expected: parseLdapUrl(a.server).host,
        error: a.message ?? a.status,
      };
      // A DC that failed while another worked still needs fixing, but the checks could run.
      const messageId = (a.status === 'dnsFailed' && a.resolver ? 'resolverFailed' : a.status) as AttemptMessage;
      ctx.report({
        status: worked ? 'warn' : 'fail',
        messageId,
        subject: a.server,
        data,
        evidence: { attempt: a },
        remediation: fixFor(a, user),
      });
    }
    if (!worked) {
      if (facts.attempts.length === 0) reportNoServer(ctx, facts);
      return;
    }
    const c = facts.connection!;
    const data = {
      server: c.server,
      tlsMode: c.tlsMode === 'ldaps' ? 'LDAPS' : c.tlsMode === 'starttls' ? 'StartTLS' : 'plain LDAP',
      user: c.boundAs ?? '-',
      dc: c.dnsHostName ?? '?',
    };
    const evidence = { connection: c, attempts: facts.attempts, operations: facts.operations };
    if (c.boundAs) ctx.report({ status: 'pass', messageId: 'connected', subject: c.server, data, evidence });
    else
      ctx.report({
        status: 'warn',
        messageId: 'anonymous',
        subject: c.server,
        data,
        evidence,
        remediation: {
          summary: 'Give clusterprobe an account to bind with',
          steps: [
            {
              text: 'Set activeDirectory.bind.user (a user principal name) and activeDirectory.bind.password (env:NAME, file:PATH or prompt). The account that will create the cluster is the one to test.',
            },
          ],
        },
      });
    if (c.insecure) {
      ctx.report({
        status: 'warn',
        messageId: 'insecure',
        subject: c.server,
        data,
        evidence,
        remediation: {
          summary: 'Turn certificate verification back on',
          steps: [
            {
              text: "Remove activeDirectory.tls.insecureSkipVerify and give the DC's CA in activeDirectory.tls.caFile instead (see the untrustedCertificate fix).",
            },
          ],
        },
      });
    }
  },
} satisfies Check;

export default check;
