/** The secret references a spec holds, with where they are and which check area needs them. */
import type { ClusterSpec } from './schema.ts';

export interface SecretReference {
  readonly path: string;
  readonly ref: string;
  readonly area: 'ad' | 'storage';
}

export function secretReferences(spec: ClusterSpec): SecretReference[] {
  const refs: SecretReference[] = [];
  const password = spec.activeDirectory?.bind?.password;
  if (password !== undefined) refs.push({ path: 'activeDirectory.bind.password', ref: password, area: 'ad' });
  (spec.storage?.iscsi ?? []).forEach((p, i) => {
    if (p.chap?.secret !== undefined)
      refs.push({ path: `storage.iscsi[${i}].chap.secret`, ref: p.chap.secret, area: 'storage' });
    if (p.chap?.mutualSecret !== undefined)
      refs.push({ path: `storage.iscsi[${i}].chap.mutualSecret`, ref: p.chap.mutualSecret, area: 'storage' });
  });
  return refs;
}
