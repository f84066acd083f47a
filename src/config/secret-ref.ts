/** A secret reference: `env:NAME`, `file:PATH` or `prompt`. Kept free of zod: commands that only
 * check a flag against it should not pay for loading the schema. */
export const SECRET_REF_PATTERN = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|prompt)$/;
