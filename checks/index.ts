/**
 * The built-in checks, in the order they run and are reported. Every check file under checks/
 * is listed here; `npm run checks:audit` refuses one that is not, or that lacks a doc page or a
 * test.
 */
import type { Check } from '../src/engine/contract.ts';
import netbiosName from './config/netbios-name.ts';
import netbiosCollision from './config/netbios-collision.ts';
import waiversExpiry from './config/waivers.ts';
import nodesCount from './config/nodes-count.ts';
import portalReachable from './storage/portal-reachable.ts';
import targetLogin from './storage/target-login.ts';
import lunInventory from './storage/lun-inventory.ts';
import lunIdentity from './storage/lun-identity.ts';
import lunVisibility from './storage/lun-visibility.ts';
import prSupport from './storage/pr-support.ts';
import adConnect from './ad/connect.ts';
import adDcDiscovery from './ad/dc-discovery.ts';
import adTimeSkew from './ad/time-skew.ts';
import adFunctionalLevel from './ad/functional-level.ts';
import adComputerAccount from './ad/computer-account.ts';
import adNetbiosName from './ad/netbios-name.ts';
import adNetbiosCollision from './ad/netbios-collision.ts';
import adOuPlacement from './ad/ou-placement.ts';
import adCnoReadiness from './ad/cno-readiness.ts';
import adDnsNodeRecords from './ad/dns-node-records.ts';
import nodesReachable from './nodes/reachable.ts';
import nodesDomainMembership from './nodes/domain-membership.ts';
import nodesOsConsistency from './nodes/os-consistency.ts';
import nodesFeatures from './nodes/features.ts';
import nodesCpuVendor from './nodes/cpu-vendor.ts';
import nodesPendingReboot from './nodes/pending-reboot.ts';
import nodesInitiatorIqn from './nodes/initiator-iqn.ts';

export const builtinChecks: readonly Check[] = [
  netbiosName,
  netbiosCollision,
  waiversExpiry,
  nodesCount,
  portalReachable,
  targetLogin,
  lunInventory,
  lunIdentity,
  lunVisibility,
  prSupport,
  adConnect,
  adDcDiscovery,
  adTimeSkew,
  adFunctionalLevel,
  adComputerAccount,
  adNetbiosName,
  adNetbiosCollision,
  adOuPlacement,
  adCnoReadiness,
  adDnsNodeRecords,
  nodesReachable,
  nodesDomainMembership,
  nodesOsConsistency,
  nodesFeatures,
  nodesCpuVendor,
  nodesPendingReboot,
  nodesInitiatorIqn,
];
