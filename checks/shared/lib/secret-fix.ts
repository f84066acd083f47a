/**
 * The fix for a secret reference that gave no value (`env:NAME` unset, `file:PATH` missing or
 * empty, `prompt` without a terminal): the commands name the variable or the file the spec
 * actually references, for PowerShell and for sh, and read the value without echoing it, so it
 * never lands in a history file or on a command line.
 */
import type { SecretProblem } from '../../../src/config/secrets.ts';
import type { Command, Remediation, RemediationStep } from '../../../src/engine/report.ts';
import { psQuote, shQuote } from '../../../src/quote.ts';

const HERE = 'this machine (the shell that runs clusterprobe)';

/** A variable name for a key whose reference cannot work here (prompt without a terminal). */
export function suggestedVariable(key: string): string {
  if (key === 'activeDirectory.bind.password') return 'CLUSTERPROBE_AD_PASSWORD';
  if (/chap\.mutualSecret$/.test(key)) return 'CLUSTERPROBE_CHAP_MUTUAL_SECRET';
  if (/chap\.secret$/.test(key)) return 'CLUSTERPROBE_CHAP_SECRET';
  return `CLUSTERPROBE_${key
    .replace(/\[\d+\]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase()}`;
}

/** PowerShell reads a SecureString without echo; NetworkCredential turns it back into text (5.1 and 7, any OS). */
function psReadSecret(prompt: string): string {
  return `(New-Object -TypeName System.Net.NetworkCredential -ArgumentList '', (Read-Host -AsSecureString -Prompt ${psQuote(prompt)})).Password`;
}

function setVariable(name: string, key: string): Command[] {
  return [
    { shell: 'powershell', command: `$env:${name} = ${psReadSecret(key)}`, runOn: HERE },
    {
      shell: 'sh',
      command: `printf '%s: ' ${shQuote(key)}; stty -echo; IFS= read -r ${name}; stty echo; echo; export ${name}`,
      runOn: HERE,
    },
  ];
}

function writeFile(path: string, key: string): Command[] {
  return [
    {
      shell: 'powershell',
      command: `Set-Content -LiteralPath ${psQuote(path)} -Value ${psReadSecret(key)}; icacls ${psQuote(path)} /inheritance:r /grant:r "\${env:USERNAME}:(R)"`,
      runOn: HERE,
    },
    {
      shell: 'sh',
      command: `( umask 077; printf '%s: ' ${shQuote(key)}; stty -echo; IFS= read -r secret; stty echo; echo; printf '%s\\n' "$secret" > ${shQuote(path)} )`,
      runOn: HERE,
    },
  ];
}

/** The remediation for `problem`; `ref` alone (facts saved before problems were recorded) gives the general fix. */
export function secretFix(problem: SecretProblem): Remediation {
  const { key, ref } = problem;
  const steps: RemediationStep[] = [];
  switch (problem.reason) {
    case 'unset': {
      const name = problem.variable ?? ref.replace(/^env:/, '');
      steps.push(
        {
          text: `${key} is ${ref}: set the environment variable ${name} in the shell that runs clusterprobe. The commands read the value without echoing it, so it stays out of the history and off the command line:`,
          commands: setVariable(name, key),
        },
        { text: `In CI, define ${name} as a masked secret variable of the pipeline instead.` },
      );
      return { summary: `Set the environment variable ${name}`, steps };
    }
    case 'unreadable':
    case 'empty': {
      const path = problem.path ?? ref.replace(/^file:/, '');
      if (problem.reason === 'unreadable' && problem.errno !== 'ENOENT') {
        steps.push({
          text: `${key} is ${ref}: ${path} exists but cannot be read (${problem.errno ?? 'error'}). It must be a file the user running clusterprobe can read; see who may read it, then grant read access to that user only:`,
          commands: [
            {
              shell: 'powershell',
              command: `Get-Acl -LiteralPath ${psQuote(path)} | Format-List; icacls ${psQuote(path)} /grant:r "\${env:USERNAME}:(R)"`,
              runOn: HERE,
            },
            { shell: 'sh', command: `ls -l ${shQuote(path)}; chmod 600 ${shQuote(path)}`, runOn: HERE },
          ],
        });
        return { summary: `Make ${path} readable`, steps };
      }
      steps.push({
        text: `${key} is ${ref}: ${problem.reason === 'empty' ? `${path} is empty` : `${path} does not exist`}. Write the secret into it, one line, readable by you alone (a path relative to the spec file's directory also works):`,
        commands: writeFile(path, key),
      });
      return { summary: `Write the secret to ${path}`, steps };
    }
    case 'noTerminal': {
      const name = suggestedVariable(key);
      steps.push(
        {
          text: `${key} is prompt, which asks on a terminal, and this run has none (CI, a pipe). Use an environment variable instead: write ${key}: env:${name} in the spec, and set it:`,
          commands: setVariable(name, key),
        },
        { text: `Or write the secret to a file readable by you alone and reference it as file:PATH.` },
      );
      return { summary: `Use env:${name} instead of prompt`, steps };
    }
    case 'nothingEntered':
      return {
        summary: 'Type the secret at the prompt',
        steps: [
          {
            text: `Run again and type the secret for ${key} at its prompt (nothing was entered), or reference it as env:NAME or file:PATH.`,
          },
        ],
      };
    case 'notReference':
      return {
        summary: `Write ${key} as a secret reference`,
        steps: [{ text: `${key} must be env:NAME, file:PATH or prompt; the secret itself never goes in the spec.` }],
      };
  }
}
