/** Flags shared by several commands. */
import { Flags } from '@oclif/core';

export const configFlag = Flags.file({
  char: 'c',
  summary: 'Cluster spec (YAML or JSON).',
  description:
    'The cluster spec: nodes, domain, storage portals, target Windows version. "clusterprobe init" writes one by asking; "clusterprobe init --example" writes the commented example (examples/review-lab.yaml).',
  helpValue: 'cluster.yaml',
  exists: false,
});

// Repeatable flags take one value each (multipleNonGreedy): otherwise oclif hands every word after
// them to the flag, and `validate --only 'config.*' cluster.yaml` or `checks explain --plugin
// x.js my.check` would lose their argument.
export const pluginFlag = Flags.string({
  summary: 'Load a plugin check module (a path or an installed npm package); repeatable.',
  multiple: true,
  multipleNonGreedy: true,
  helpValue: 'PATH|PACKAGE',
});

/** Comma-separated lists of check-id globs. */
export const globListFlag = (summary: string) =>
  Flags.string({
    summary,
    multiple: true,
    multipleNonGreedy: true,
    delimiter: ',',
    helpValue: 'GLOB,GLOB', // oclif adds '...' to a repeatable flag
  });
