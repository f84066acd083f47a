/**
 * The schema of the `spec` fact: the cluster spec as loaded (ClusterSpecSchema's output, secret
 * references only). The loader's schema is idempotent on its own output (defaults already filled,
 * a windowsVersion already a string), so a saved spec is validated by the same rules as the file.
 */
import type { z } from 'zod';
import { ClusterSpecSchema, type ClusterSpec } from '../../config/schema.ts';
import type { Agrees } from './agree.ts';

export const SpecFactSchema = ClusterSpecSchema;

const _agrees: Agrees<z.output<typeof SpecFactSchema>, ClusterSpec> = true;
