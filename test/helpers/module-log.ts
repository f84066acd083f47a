/**
 * A `--import` hook that records every module the process loads, ESM and CommonJS alike
 * (`module.registerHooks` sees both `import` and `require`), and writes their URLs, one a line in
 * load order, to the file named by CLUSTERPROBE_MODULE_LOG when the process exits.
 *
 *   CLUSTERPROBE_MODULE_LOG=/tmp/mods.txt node --import ./test/helpers/module-log.ts bin/run.js checks list
 */
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const file = process.env.CLUSTERPROBE_MODULE_LOG;
if (!file) throw new Error('module-log.ts: set CLUSTERPROBE_MODULE_LOG to the file to write');
const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => writeFileSync(file, [...loaded].map((url) => `${url}\n`).join('')));
