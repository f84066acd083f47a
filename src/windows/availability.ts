/**
 * Whether this run can take the Windows path, and the one PowerShell session it shares: the
 * nodes.* probes and the AD probe (without activeDirectory.bind) ask for it through
 * ctx.shared, so a run starts at most one PowerShell process.
 */
import type { ProbeContext } from '../engine/contract.ts';
import type { ClusterSpec } from '../config/schema.ts';
import { PowerShellError, PowerShellSession } from './powershell.ts';

/** Default limit of one PowerShell run, in seconds (windows.timeoutSeconds). */
export const WINDOWS_DEFAULT_TIMEOUT_S = 60;

export type PowerShellChoice =
  | { readonly executable: string; readonly source: 'windows.powershell' | 'CLUSTERPROBE_POWERSHELL' | 'default' }
  | { readonly skipped: string };

/** Which PowerShell to use, or why the Windows path is skipped on this machine. */
export function choosePowerShell(
  spec: Pick<ClusterSpec, 'windows'>,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): PowerShellChoice {
  if (spec.windows?.powershell) return { executable: spec.windows.powershell, source: 'windows.powershell' };
  if (env.CLUSTERPROBE_POWERSHELL)
    return { executable: env.CLUSTERPROBE_POWERSHELL, source: 'CLUSTERPROBE_POWERSHELL' };
  if (platform === 'win32') return { executable: 'powershell', source: 'default' };
  return {
    skipped: `this machine runs ${platform === 'darwin' ? 'macOS' : platform === 'linux' ? 'Linux' : platform}, not Windows: the node checks read the nodes over PowerShell remoting (WinRM) as the logged-in domain user, from a domain-joined Windows management host with RSAT. Run clusterprobe there, or set windows.powershell to a pwsh that has WSMan remoting to the nodes`,
  };
}

export type SharedPowerShell =
  | { readonly session: PowerShellSession; readonly executable: string }
  | { readonly skipped: string; readonly code: 'notWindows' | 'noPowerShell' };

/** The run's PowerShell session (opened once, closed by the run's cleanup), or why there is none. */
export async function sharedPowerShell(ctx: ProbeContext): Promise<SharedPowerShell> {
  const choice = choosePowerShell(ctx.spec);
  if ('skipped' in choice) return { skipped: choice.skipped, code: 'notWindows' };
  // Below the checks' own default limit (120 s), so that a PowerShell that hangs is reported as
  // such by the probe, not as a check that timed out.
  const timeoutMs = (ctx.spec.windows?.timeoutSeconds ?? WINDOWS_DEFAULT_TIMEOUT_S) * 1000;
  try {
    const session = await ctx.shared(
      'windows.powershell',
      () => PowerShellSession.open({ executable: choice.executable, timeoutMs }),
      (s) => s.close(),
    );
    return { session, executable: session.executable };
  } catch (err) {
    if (err instanceof PowerShellError && err.code === 'noPowerShell') {
      return {
        skipped: `${err.message} (from ${choice.source}): install PowerShell 7 (winget install Microsoft.PowerShell) or use Windows PowerShell (powershell.exe)`,
        code: 'noPowerShell',
      };
    }
    throw err;
  }
}
