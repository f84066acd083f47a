/** Flags shared by several commands. */
import { Flags } from '@oclif/core';

export const configFlag = Flags.file({
  char: 'c',
  summary: 'Cluster spec (YAML or JSON).',
  description: 'The cluster spec: nodes, domain, storage portals, target Windows version. See examples/review-lab.yaml.',
  helpValue: 'cluster.yaml',
  exists: false,
});

export const pluginFlag = Flags.string({
  summary: 'Load a plugin check module (a path or an installed npm package); repeatable.',
  multiple: true,
  helpValue: 'PATH|PACKAGE',
});

/** Comma-separated lists of check-id globs. */
export const globListFlag = (summary: string) =>
  Flags.string({
    summary,
    multiple: true,
    delimiter: ',',
    helpValue: 'GLOB,...',
  });
