/**
 * The `spec` fact: the cluster spec as loaded and validated (src/config/schema.ts). Checks read it
 * like any other fact, declared in `meta.facts`.
 */
export type { ClusterSpec } from '../config/schema.ts';
