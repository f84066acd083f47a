/** The iSCSI initiator: sessions that carry the SCSI layer's commands, and discovery. */
export {
  IscsiSession,
  randomIsid,
  isidHex,
  serialLt,
  serialLe,
  DEFAULT_TIMEOUTS,
  type SessionOptions,
  type Timeouts,
} from './session.ts';
export { sendTargets, parseSendTargets, type DiscoveredTarget, type DiscoveryOptions } from './discovery.ts';
export { parsePortal, formatPortal, DEFAULT_ISCSI_PORT, type Portal } from './connection.ts';
export { IscsiRedirect, type ChapCredentials, type NegotiatedParameters } from './login.ts';
export * from './errors.ts';
