/**
 * The schemas of the built-in facts, by fact name: what a `--from-facts` file is validated against
 * before any check reads it. A fact not listed here (a plugin's) is passed on as it is.
 */
import type { z } from 'zod';
import { AdDirectoryFactSchema, AdFactsSchema } from './ad.ts';
import { NodesFactSchema } from './nodes.ts';
import { SpecFactSchema } from './spec.ts';
import { PrFactsSchema, StorageFactsSchema } from './storage.ts';

export { AdDirectoryFactSchema, AdFactsSchema, NodesFactSchema, PrFactsSchema, SpecFactSchema, StorageFactsSchema };

/** Fact name -> the schema a saved value of it must satisfy. */
export const FACT_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  spec: SpecFactSchema,
  'storage.inventory': StorageFactsSchema,
  'storage.pr': PrFactsSchema,
  'ad.directory': AdDirectoryFactSchema,
  'nodes.facts': NodesFactSchema,
};
