/**
 * The body of `clusterprobe init`, loaded only when it runs: the questions, DC discovery through
 * DNS SRV, the storage inventory with our own initiator, and writing the spec once it loads.
 * What the answers become (and every check of an answer) is in ./init/wizard.ts.
 */
import { existsSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checkbox, confirm, input, password, select, Separator } from '@inquirer/prompts';
import type { ChalkInstance } from 'chalk';
import { discoverDcs, srvName } from '../ad/discovery.ts';
import { displayName, loadSpec } from '../config/load.ts';
import { SecretStore } from '../config/secrets.ts';
import { assetFile, readAsset } from './assets.ts';
import { WINDOWS_VERSIONS, type WindowsVersion } from '../config/schema.ts';
import {
  checkDcHost,
  checkDnsServer,
  checkDomain,
  checkEnvName,
  checkFqdn,
  checkIqn,
  checkOu,
  checkPem,
  checkPortal,
  checkUpn,
  lunChoices,
  nameHint,
  picksFrom,
  renderSpecYaml,
  reviewName,
  secretRef,
  type AdAnswer,
  type LunChoice,
  type NodeAnswer,
  type PortalAnswer,
  type SecretSource,
  type WizardAnswers,
} from './init/wizard.ts';
import { UsageError } from '../engine/errors.ts';
import { EXIT } from '../engine/exit.ts';
import { sendTargets, type DiscoveredTarget } from '../iscsi/discovery.ts';
import { readTarget, toInventoryError, type InventoryTarget } from '../iscsi/inventory.ts';
import type { ChapCredentials } from '../iscsi/login.ts';
import type { Timeouts } from '../iscsi/session.ts';
import { mapLimited } from '../limit.ts';
import { chalkFor } from '../report/color.ts';
import { renderInventory } from '../report/inventory.ts';
import { loginStatus } from '../storage/probe.ts';
import { WINDOWS_IQN_PREFIX, windowsDefaultIqn } from '../config/node-identity.ts';
import type { Output, RunResult } from './run-types.ts';

/**
 * What `init` runs with: its flags as plain values, where it writes, and how to run validate.
 * The questions themselves are asked on process.stdin and process.stdout (@inquirer/prompts).
 */
export interface InitOptions {
  /** Where to write the spec. */
  readonly output: string;
  /** Replace the file if it exists. */
  readonly force: boolean;
  /** The DNS server to find the DCs through; offered as the answer. */
  readonly dnsServer?: string | undefined;
  /** The initiator name to read the storage as; default: the first node's. */
  readonly initiator?: string | undefined;
  /** Time limit for each iSCSI step, in seconds. */
  readonly timeoutSeconds: number;
  readonly version: string;
  /** Whether stdin and stdout are a terminal: the questions need one. */
  readonly interactive: boolean;
  /** What init says between the questions (the tables of targets and LUNs, warnings). */
  readonly stdout: Output;
  /** The line when it is stopped. */
  readonly stderr: Output;
  /** Hands the command a scrubber for its messages once secrets may have been resolved. */
  onSecrets?(scrub: (text: string) => string): void;
  /** Runs `clusterprobe validate` with these arguments, and hands back its exit code. */
  runValidate(argv: string[]): Promise<number>;
}

export const NO_TTY_MESSAGE =
  'init is interactive: it needs a terminal on stdin and stdout, and this is not one. ' +
  'Without a terminal, write the commented example spec (examples/review-lab.yaml) with clusterprobe init --example --output cluster.yaml, ' +
  'edit it, and run clusterprobe validate --config cluster.yaml. Or run clusterprobe init in a terminal.';

interface Session {
  readonly c: ChalkInstance;
  readonly file: string;
  readonly options: InitOptions;
  /** = options.stdout. */
  readonly out: Output;
  readonly timeouts: Timeouts;
  /** One store per storage login attempt (a retried prompt asks again); all scrub output. */
  readonly stores: SecretStore[];
}

/** Runs `init`; the exit code is 0 when written, 130 when stopped, validate's when it ran. */
export async function runInit(options: InitOptions): Promise<RunResult> {
  if (!options.interactive) throw new UsageError(NO_TTY_MESSAGE);
  const file = resolve(options.output);
  const shown = displayName(file);
  if (!options.force && existsSync(file))
    throw new UsageError(
      `${shown} exists, and init does not overwrite a spec: give another --output FILE, or --force to replace it`,
    );
  if (
    !(await stat(dirname(file)).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new UsageError(`cannot write ${shown}: ${dirname(file)} is not a directory`);

  const seconds = options.timeoutSeconds * 1000;
  const session: Session = {
    c: chalkFor(options.stdout),
    file,
    options,
    out: options.stdout,
    timeouts: { connectMs: seconds, loginMs: seconds, commandMs: seconds, logoutMs: seconds },
    stores: [],
  };
  options.onSecrets?.((t) => session.stores.reduce((acc, s) => s.scrub(acc), t));
  const say = (text = '') => options.stdout.write(`${text}\n`);
  let written = false;
  try {
    say(
      session.c.bold(
        `clusterprobe init: a cluster spec in ${shown}. Ctrl-C stops, and nothing is written until the end.`,
      ),
    );
    const answers = await askEverything(session);
    const schemaPath = schemaPathFor(file);
    const text = renderSpecYaml(answers, {
      tool: `clusterprobe ${options.version}`,
      date: new Date().toISOString().slice(0, 10),
      file: shown,
      ...(schemaPath ? { schemaPath } : {}),
    });
    await writeLoaded(file, text, options.force);
    written = true;
    const portals = answers.portals?.length ?? 0;
    say('');
    say(
      session.c.green(
        `Wrote ${shown}: ${answers.nodes.length} node(s)${answers.activeDirectory ? `, domain ${answers.activeDirectory.domain}` : ''}${portals ? `, ${portals} portal(s)` : ''}. It loads cleanly, and holds secret references only.`,
      ),
    );
    if (await confirm({ message: `Run clusterprobe validate --config ${shown} now?`, default: true })) {
      return { exitCode: await options.runValidate(['--config', file]) };
    }
    say(`Run it when ready: clusterprobe validate --config ${shown}`);
    return { exitCode: EXIT.pass };
  } catch (err) {
    if (err instanceof Error && err.name === 'ExitPromptError') {
      options.stderr.write(
        `\nclusterprobe init: stopped${written ? `; ${shown} was written` : '; nothing written'}.\n`,
      );
      return { exitCode: EXIT.interrupted };
    }
    throw err;
  }
}

/**
 * `init --example`: the shipped example spec (the review's lab, broken on purpose, every key
 * commented) written to `output` to edit, without a terminal; from the single executable too.
 * Its schema reference points at this installation's schema (none from an executable).
 */
export async function writeExample(options: {
  readonly output: string;
  readonly force: boolean;
  readonly stdout: Output;
}): Promise<RunResult> {
  const file = resolve(options.output);
  const shown = displayName(file);
  if (!options.force && existsSync(file))
    throw new UsageError(`${shown} exists, and init does not overwrite a spec: give another --output FILE, or --force`);
  if (!existsSync(dirname(file))) throw new UsageError(`cannot write ${shown}: ${dirname(file)} does not exist`);
  const schema = schemaPathFor(file);
  const text = readAsset('examples/review-lab.yaml')
    // The schema line and the empty comment line after it, or neither (an executable has no schema file).
    .replace(/^# yaml-language-server: .*\n(#\n)?/, (_, blank = '') =>
      schema ? `# yaml-language-server: $schema=${schema}\n${blank}` : '',
    )
    // The example's own usage line names the file it now is.
    .replace(/^(#\s+clusterprobe validate --config )examples\/review-lab\.yaml$/m, (_, head: string) => head + shown);
  await writeLoaded(file, text, options.force);
  options.stdout.write(
    `Wrote ${shown}: the example spec (the lab of the Windows Server 2008 R2 review, broken on purpose; every key is commented).\n` +
      `Put your cluster in it, then run: clusterprobe validate --config ${shown}\n`,
  );
  return { exitCode: EXIT.pass };
}

/**
 * `schema/cluster-spec.schema.json` of this installation, relative to the spec, for editors;
 * none from a single executable (the schema is inside it, not on disk).
 */
function schemaPathFor(file: string): string | undefined {
  const schema = assetFile('schema/cluster-spec.schema.json');
  if (schema === undefined) return undefined;
  // Relative while the two are near each other (a spec in the repository), else absolute.
  const rel = relative(dirname(file), schema);
  return rel.split(sep).filter((part) => part === '..').length <= 2 ? rel : schema;
}

/**
 * Loads the text through the config loader from a temporary file beside the target, then puts
 * it in place: atomically, and without replacing an existing file unless `force`.
 */
async function writeLoaded(file: string, text: string, force: boolean): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, text, { flag: 'wx', mode: 0o644 });
  try {
    try {
      await loadSpec(tmp);
    } catch (err) {
      throw new Error(`the spec init wrote does not load, so it was not written: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (force) {
      await rename(tmp, file);
      return;
    }
    try {
      await link(tmp, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        throw new UsageError(`${displayName(file)} appeared while init ran; it was left alone (--force replaces it)`);
      // A filesystem without hard links: an exclusive create does the same.
      await writeFile(file, text, { flag: 'wx', mode: 0o644 });
    }
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

async function askEverything(s: Session): Promise<WizardAnswers> {
  const say = (text = '') => s.out.write(`${text}\n`);
  say('');
  say(s.c.bold('The cluster'));
  const name = await askName(s, 'Cluster name (the cluster name object New-Cluster will create):', [], 'cluster');
  const windowsVersion = await select<WindowsVersion>({
    message: 'Target Windows Server version:',
    choices: WINDOWS_VERSIONS.map((v) => ({ name: `Windows Server ${v.replace('R2', ' R2')}`, value: v })),
    default: '2022',
  });

  say('');
  say(s.c.bold('The nodes'));
  const nodes: NodeAnswer[] = [];
  for (;;) {
    const nodeName = await askName(s, `Node ${nodes.length + 1} host name:`, [name, ...nodes.map((n) => n.name)]);
    const fqdn = (
      await input({
        message: `${nodeName}: fully qualified DNS name (optional):`,
        validate: (v) => checkFqdn(v.trim()),
      })
    ).trim();
    const derived =
      fqdn || nodeName.includes('.')
        ? windowsDefaultIqn({ name: nodeName, ...(fqdn ? { fqdn } : {}) })
        : `${WINDOWS_IQN_PREFIX}${nodeName.toLowerCase()}.<its DNS domain>`;
    const iqn = (
      await input({
        message: `${nodeName}: iSCSI initiator name (optional; empty: Windows' default ${derived}):`,
        validate: (v) => checkIqn(v.trim()),
      })
    ).trim();
    nodes.push({ name: nodeName, ...(fqdn ? { fqdn } : {}), ...(iqn ? { iqn } : {}) });
    if (!(await confirm({ message: 'Add another node?', default: nodes.length < 2 }))) break;
  }

  say('');
  say(s.c.bold('Active Directory'));
  const activeDirectory = (await confirm({
    message: 'Check Active Directory (domain, DCs, bind account, OU)?',
    default: true,
  }))
    ? await askDirectory(s, nodes)
    : undefined;

  say('');
  say(s.c.bold('Storage'));
  let portals: PortalAnswer[] | undefined;
  if (await confirm({ message: 'Check iSCSI storage (portals, targets, disks)?', default: true })) {
    portals = [];
    for (;;) {
      const p = await askPortal(s, nodes, portals.length, activeDirectory?.domain);
      if (p) portals.push(p);
      if (!(await confirm({ message: 'Add another portal?', default: false }))) break;
    }
    if (portals.length === 0) portals = undefined;
  }
  return {
    cluster: { name, windowsVersion },
    nodes,
    ...(activeDirectory ? { activeDirectory } : {}),
    ...(portals ? { portals } : {}),
  };
}

/**
 * A NetBIOS-checked name: the line above the input says, as it is typed, what Windows makes of
 * it; a name that breaks a rule or collides with `others` is explained and the suggested
 * replacement offered.
 */
async function askName(
  s: Session,
  message: string,
  others: readonly string[],
  what: 'node' | 'cluster' = 'node',
): Promise<string> {
  for (;;) {
    const typed = (
      await input({
        message,
        transformer: (value, { isFinal }) =>
          isFinal ? value : `${s.c.dim(nameHint(value.trim(), others, what))}\n  › ${value}`,
        validate: (value) => (value.trim() === '' ? 'a name is needed' : true),
      })
    ).trim();
    const review = reviewName(typed, others, what);
    if (review.reasons.length === 0) return typed;
    for (const reason of review.reasons) s.out.write(s.c.yellow(`  ⚠ ${typed}: ${reason}\n`));
    const choice = await select<'use' | 'keep' | 'retype'>({
      message: `Use the suggested name ${review.suggestion}?`,
      choices: [
        {
          name: `Use ${review.suggestion}`,
          value: 'use',
          description: 'Valid, unique among the names given, and DNS-safe.',
        },
        {
          name: `Keep ${typed}`,
          value: 'keep',
          disabled: review.keepable ? false : '(Windows cannot have this name, or it is already in this cluster)',
          description:
            'The spec describes the hosts as they are: clusterprobe validate then reports the name, with the rename command.',
        },
        { name: 'Type another name', value: 'retype' },
      ],
      default: 'use',
    });
    if (choice === 'use' && review.suggestion) return review.suggestion;
    if (choice === 'keep') return typed;
  }
}

/** A path typed relative to the working directory, as the spec holds it: relative to the spec. */
function specRelative(s: Session, typed: string): string {
  if (isAbsolute(typed)) return typed;
  const rel = relative(dirname(s.file), resolve(typed));
  return rel.startsWith('.') ? rel : `./${rel}`;
}

async function askSecretRef(s: Session, what: string, defaultEnv: string): Promise<string> {
  const source = await select<SecretSource>({
    message: `Where does ${what} come from? (never asked for here, never written)`,
    choices: [
      {
        name: 'An environment variable (env:NAME)',
        value: 'env',
        description: 'Set it before running validate, e.g. read -rs NAME && export NAME',
      },
      {
        name: 'A file (file:PATH)',
        value: 'file',
        description: 'The file holds the secret alone (one trailing newline is dropped); keep it readable by you only.',
      },
      {
        name: 'Asked on the terminal when validate runs (prompt)',
        value: 'prompt',
        description: 'Only where there is a terminal: not for CI.',
      },
    ],
  });
  if (source === 'prompt') return secretRef('prompt');
  if (source === 'env')
    return secretRef(
      'env',
      (
        await input({
          message: 'Environment variable name:',
          default: defaultEnv,
          validate: (v) => checkEnvName(v.trim()),
        })
      ).trim(),
    );
  const typed = (
    await input({
      message: 'Path of the file (relative to this directory, or absolute):',
      validate: (v) => (v.trim() === '' ? 'a path is needed' : true),
    })
  ).trim();
  if (!existsSync(resolve(typed)))
    s.out.write(s.c.yellow(`  ${typed} does not exist yet: create it before running validate.\n`));
  return secretRef('file', specRelative(s, typed));
}

async function askDirectory(s: Session, nodes: readonly NodeAnswer[]): Promise<AdAnswer> {
  const say = (text: string) => s.out.write(`${text}\n`);
  const fromFqdn = nodes.find((n) => n.fqdn?.includes('.'))?.fqdn?.replace(/^[^.]*\./, '');
  const domain = (
    await input({
      message: 'Domain (DNS name):',
      ...(fromFqdn ? { default: fromFqdn } : {}),
      validate: (v) => checkDomain(v.trim()),
    })
  )
    .trim()
    .toLowerCase();
  let dnsServer = (
    await input({
      message: "DNS server to find the DCs through (IP[:PORT]; empty: this machine's resolvers):",
      ...(s.options.dnsServer ? { default: s.options.dnsServer } : {}),
      validate: (v) => checkDnsServer(v.trim()),
    })
  ).trim();

  let server: string | undefined;
  let serverSource: AdAnswer['serverSource'];
  for (;;) {
    say(s.c.dim(`  Looking up SRV ${srvName(domain)} via ${dnsServer || "this machine's DNS servers"}...`));
    let choice: string;
    try {
      const dcs = await discoverDcs({
        domain,
        ...(dnsServer ? { dnsServers: [dnsServer] } : {}),
        timeoutMs: Math.min(s.timeouts.connectMs, 5000),
      });
      say(`  Found ${dcs.length} domain controller(s).`);
      choice = await select<string>({
        message: 'Which DC should clusterprobe ask?',
        choices: [
          ...dcs.map((dc) => ({
            name: `${dc.host}  ${dc.addresses.join(', ') || '(no address)'}  priority ${dc.priority}, weight ${dc.weight}`,
            value: `dc:${dc.host}`,
          })),
          new Separator(),
          {
            name: 'None: find the DCs through DNS SRV at every run',
            value: 'srv',
            description: 'No servers: key; the next DC is tried when one fails.',
          },
          { name: 'Type a DC name or address', value: 'type' },
        ],
      });
    } catch (err) {
      say(s.c.red(`  ${(err as Error).message}`));
      choice = await select<string>({
        message: 'The DCs could not be found through DNS. What now?',
        choices: [
          { name: 'Try again', value: 'retry' },
          { name: 'Ask another DNS server', value: 'dns' },
          { name: 'Type a DC name or address', value: 'type' },
          { name: 'Leave it to DNS SRV discovery at every run', value: 'srv' },
        ],
      });
    }
    if (choice === 'retry') continue;
    if (choice === 'dns') {
      dnsServer = (
        await input({
          message: 'DNS server (IP[:PORT]):',
          validate: (v) => (v.trim() === '' ? 'an address is needed' : checkDnsServer(v.trim())),
        })
      ).trim();
      continue;
    }
    if (choice === 'type') {
      server = (await input({ message: 'DC host name or address:', validate: (v) => checkDcHost(v.trim()) })).trim();
      serverSource = 'typed';
    } else if (choice.startsWith('dc:')) {
      server = choice.slice(3);
      serverSource = 'discovered';
    }
    break;
  }

  const caTyped = (
    await input({
      message: "CA certificate of the DCs (PEM file; empty: this machine's CAs):",
      validate: async (v) => {
        const path = v.trim();
        if (path === '') return true;
        const text = await readFile(resolve(path), 'utf8').catch(
          (err: NodeJS.ErrnoException) => new Error(err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message)),
        );
        return text instanceof Error ? `cannot read ${path}: ${text.message}` : checkPem(text);
      },
    })
  ).trim();
  const startTls =
    (await select<'ldaps' | 'starttls'>({
      message: 'How is LDAP protected?',
      choices: [
        { name: 'LDAPS (ldaps://, port 636)', value: 'ldaps' },
        { name: 'StartTLS (ldap://, port 389, then TLS)', value: 'starttls' },
      ],
    })) === 'starttls';
  const byAddress = server !== undefined && isIP(server) !== 0;
  const serverName = byAddress
    ? (
        await input({
          message: `Name in the certificate of ${server} (optional):`,
          validate: (v) => (v.trim() === '' ? true : checkDcHost(v.trim())),
        })
      ).trim()
    : '';
  const bindUser = (
    await input({
      message: 'Bind user (UPN; the account that will run New-Cluster):',
      validate: (v) => checkUpn(v.trim()),
    })
  ).trim();
  const passwordRef = await askSecretRef(s, `the password of ${bindUser}`, 'CLUSTERPROBE_AD_PASSWORD');
  const ou = (
    await input({
      message: 'OU where the nodes and the cluster belong (DN; optional):',
      validate: (v) => checkOu(v.trim(), domain),
    })
  ).trim();
  return {
    domain,
    ...(dnsServer ? { dnsServers: [dnsServer] } : {}),
    ...(server ? { server, serverSource } : {}),
    ...(caTyped ? { caFile: specRelative(s, caTyped) } : {}),
    startTls,
    ...(serverName ? { serverName } : {}),
    bindUser,
    password: passwordRef,
    ...(ou ? { ou } : {}),
  };
}

type Reading =
  | { readonly ok: true; readonly targets: InventoryTarget[]; readonly failed: { target: string; status: string }[] }
  | { readonly ok: false; readonly message: string; readonly status: string };

/** SendTargets, then each target's LUNs (INQUIRY, VPD 0x83, READ CAPACITY), shown as a table. */
async function readPortal(
  s: Session,
  portal: string,
  initiatorName: string,
  chap: PortalAnswer['chap'],
  index: number,
): Promise<Reading> {
  let credentials: ChapCredentials | undefined;
  if (chap) {
    const store = new SecretStore({
      baseDir: dirname(s.file),
      prompt: (question) =>
        password({ message: `${question.replace(/:\s*$/, '')} (used now for discovery, never written):`, mask: '*' }),
    });
    s.stores.push(store);
    try {
      credentials = {
        user: chap.user,
        secret: Buffer.from((await store.resolve(chap.secret, `storage.iscsi[${index}].chap.secret`)).reveal()),
      };
    } catch (err) {
      if (err instanceof Error && err.name === 'ExitPromptError') throw err;
      return { ok: false, message: toInventoryError(err).message, status: 'secret' };
    }
  }
  const scrub = (t: string) => s.stores.reduce((acc, st) => st.scrub(acc), t);
  s.out.write(
    s.c.dim(
      `  SendTargets on ${portal} as ${initiatorName}${chap ? ` (CHAP user ${chap.user})` : ''}, then each target's LUNs...\n`,
    ),
  );
  let found: DiscoveredTarget[];
  try {
    found = await sendTargets({
      portal,
      initiatorName,
      ...(credentials ? { chap: credentials } : {}),
      timeouts: s.timeouts,
    });
  } catch (err) {
    return { ok: false, message: scrub(toInventoryError(err).message), status: loginStatus(err).status };
  }
  const failed: { target: string; status: string }[] = [];
  const targets = await mapLimited(found, 4, async (t): Promise<InventoryTarget> => {
    const reading = await readTarget(t, {
      portal,
      initiatorName,
      ...(credentials ? { chap: credentials } : {}),
      timeouts: s.timeouts,
    });
    if ('luns' in reading) return { name: t.name, addresses: t.addresses, luns: reading.luns };
    failed.push({ target: t.name, status: loginStatus(reading.failure).status });
    return { name: t.name, addresses: t.addresses, luns: [], error: toInventoryError(reading.failure) };
  });
  s.out.write(scrub(renderInventory({ portal, initiator: initiatorName, targets }, s.c)));
  if (targets.length === 0)
    return {
      ok: false,
      message: `SendTargets on ${portal} lists no target for ${initiatorName} (targets hide from initiators outside their access list)`,
      status: 'none',
    };
  if (failed.length === targets.length)
    return { ok: false, message: `no target on ${portal} accepted the login (see above)`, status: failed[0]!.status };
  return { ok: true, targets: targets.filter((t) => !t.error), failed };
}

async function askChap(previous: PortalAnswer['chap'], likely: boolean, s: Session): Promise<PortalAnswer['chap']> {
  if (!(await confirm({ message: 'Does the portal need CHAP?', default: previous !== undefined || likely })))
    return undefined;
  const user = (
    await input({
      message: 'CHAP user:',
      ...(previous ? { default: previous.user } : {}),
      validate: (v) => (v.trim() === '' ? 'a CHAP user name is needed' : true),
    })
  ).trim();
  return { user, secret: await askSecretRef(s, `the CHAP secret of ${user}`, 'CLUSTERPROBE_CHAP_SECRET') };
}

const FAILURE_HINT: Readonly<Record<string, string>> = {
  'auth-failed': "The target wants CHAP, or other CHAP credentials: change the portal's CHAP and try again.",
  'not-found':
    "The initiator is probably missing from the target's access list: add it on the storage, or run init with --initiator IQN (a node's).",
  'not-authorized': "The initiator is not allowed on the target: add it to the target's access list.",
  refused: 'Nothing listens there: check the address and port, and that the target service runs.',
  timeout:
    "No answer in time: check the address, the route and the firewalls (the portal's TCP port, 3260 unless it names another).",
  none: "No target for this initiator: add it to a target's access list, or run init with --initiator IQN (a node's).",
  secret: 'The CHAP secret could not be read: fix the reference, or set the variable and try again.',
};

/** One portal: its address and CHAP, its targets and disks read and ticked; undefined: left out. */
async function askPortal(
  s: Session,
  nodes: readonly NodeAnswer[],
  index: number,
  domain: string | undefined,
): Promise<PortalAnswer | undefined> {
  const initiatorName = s.options.initiator ?? windowsDefaultIqn(nodes[0]!, domain);
  let portal = '';
  let chap: PortalAnswer['chap'];
  let likelyChap = false;
  let edit = true;
  for (;;) {
    if (edit) {
      portal = (
        await input({
          message: 'iSCSI portal (HOST[:PORT]):',
          ...(portal ? { default: portal } : {}),
          validate: (v) => checkPortal(v.trim()),
        })
      ).trim();
      chap = await askChap(chap, likelyChap, s);
      edit = false;
    }
    const reading = await readPortal(s, portal, initiatorName, chap, index);
    let next: 'retry' | 'edit' | 'keep' | 'skip';
    if (!reading.ok) {
      s.out.write(s.c.red(`  ${reading.message}\n`));
      if (FAILURE_HINT[reading.status]) s.out.write(`  ${FAILURE_HINT[reading.status]}\n`);
      likelyChap = reading.status === 'auth-failed';
      next = await failureMenu();
    } else {
      const choices = lunChoices(reading.targets);
      if (reading.failed.length > 0)
        s.out.write(
          s.c.yellow(`  ${reading.failed.length} target(s) refused the login (above): their disks cannot be ticked.\n`),
        );
      if (!choices.some((c) => !c.disabled)) {
        s.out.write(
          s.c.yellow(
            '  No disk LUN to tick here: only controller, CD or tape LUNs (or disks that could not be read).\n',
          ),
        );
        next = await failureMenu();
      } else {
        const picks = picksFrom(choices, await tick(choices));
        if (picks.length > 0) return { portal, picks, ...(chap ? { chap } : {}) };
        const empty = await select<'tick' | 'keep' | 'skip'>({
          message: 'No disk ticked. What now?',
          choices: [
            { name: 'Tick again', value: 'tick' },
            { name: 'Keep this portal without choosing disks (validate checks every disk LUN)', value: 'keep' },
            { name: 'Leave this portal out', value: 'skip' },
          ],
        });
        if (empty === 'tick') continue;
        next = empty;
      }
    }
    if (next === 'keep')
      return {
        portal,
        ...(chap ? { chap } : {}),
        note: reading.ok
          ? 'no disk chosen: every disk LUN is checked'
          : 'not read when this file was written: every target, every disk LUN',
      };
    if (next === 'skip') return undefined;
    if (next === 'edit') edit = true;
  }
}

function failureMenu(): Promise<'retry' | 'edit' | 'keep' | 'skip'> {
  return select({
    message: 'What now?',
    choices: [
      { name: 'Try again', value: 'retry' as const },
      { name: 'Change the portal address or CHAP', value: 'edit' as const },
      { name: 'Keep this portal without choosing disks (validate checks it as it is then)', value: 'keep' as const },
      { name: 'Leave this portal out', value: 'skip' as const },
    ],
  });
}

async function tick(choices: readonly LunChoice[]): Promise<{ target: string; lun: number }[]> {
  const items: (Separator | { name: string; value: { target: string; lun: number }; disabled?: string })[] = [];
  let target: string | undefined;
  for (const c of choices) {
    if (c.target !== target) items.push(new Separator(`── ${(target = c.target)}`));
    items.push({
      name: c.label,
      value: { target: c.target, lun: c.lun },
      ...(c.disabled ? { disabled: c.disabled } : {}),
    });
  }
  return checkbox({ message: 'Tick the cluster disks:', choices: items, pageSize: Math.min(20, items.length) });
}
