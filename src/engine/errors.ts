/**
 * The engine's errors. UsageError, ConfigError and the problem format live in src/errors.ts (the
 * util layer) so that src/config can throw them without importing the engine; they are re-exported
 * here for the engine's callers.
 */
import { UsageError } from '../errors.ts';

export { ConfigError, UsageError, formatProblem, type ConfigProblem } from '../errors.ts';

/** A plugin that cannot be loaded or does not satisfy the check contract. */
export class PluginError extends UsageError {
  override readonly code: string = 'EPLUGIN';
  override name = 'PluginError';
}
