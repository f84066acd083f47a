/** oclif's explicit command index (package.json oclif.commands): no directory scan at start-up. */
import Validate from './validate.ts';
import ReportCommand from './report.ts';
import ChecksList from './checks/list.ts';
import ChecksExplain from './checks/explain.ts';
import IscsiDiscover from './iscsi/discover.ts';
import StorageCleanup from './storage/cleanup.ts';
import Init from './init.ts';
import Fix from './fix.ts';

export const COMMANDS = {
  validate: Validate,
  report: ReportCommand,
  'checks:list': ChecksList,
  'checks:explain': ChecksExplain,
  'iscsi:discover': IscsiDiscover,
  'storage:cleanup': StorageCleanup,
  init: Init,
  fix: Fix,
};
