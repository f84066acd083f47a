/**
 * Generates the JSON Schemas of the cluster spec (for editor completion) and of the Report (the
 * contract `validate --json` prints) from their zod schemas. `--check` fails when the committed
 * files differ from what the code generates, so a schema change cannot land unseen.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ClusterSpecSchema, WaiversFileSchema } from '../src/config/schema.ts';
import { ReportSchema } from '../src/engine/report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export function generated(): Record<string, string> {
  const render = (schema: z.ZodType, title: string, io: 'input' | 'output') =>
    `${JSON.stringify({ ...z.toJSONSchema(schema, { io, unrepresentable: 'any' }), title }, null, 2)}\n`;
  return {
    'schema/cluster-spec.schema.json': render(ClusterSpecSchema, 'clusterprobe cluster spec', 'input'),
    'schema/waivers.schema.json': render(WaiversFileSchema, 'clusterprobe waivers file', 'input'),
    'schema/report.schema.json': render(ReportSchema, 'clusterprobe report (schemaVersion 1)', 'output'),
  };
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const check = process.argv.includes('--check');
  let drift = 0;
  await mkdir(`${root}/schema`, { recursive: true });
  for (const [file, text] of Object.entries(generated())) {
    const path = `${root}/${file}`;
    if (check) {
      const current = await readFile(path, 'utf8').catch(() => '');
      if (current !== text) {
        drift += 1;
        process.stderr.write(`${file} is out of date with the code: run "npm run schemas" and commit it\n`);
      }
    } else {
      await writeFile(path, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  if (check && drift === 0) process.stdout.write('schemas: up to date\n');
  process.exitCode = drift === 0 ? 0 : 1;
}
