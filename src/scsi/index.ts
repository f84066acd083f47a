/** The transport-independent SCSI layer: CDB builders, data-in decoders, sense, typed errors, and ScsiDevice. */
export type { ScsiRequest, ScsiResponse, ScsiTransport } from './transport.ts';
export { capLength, scsiReader } from './bytes.ts';
export {
  ScsiDecodeError,
  ScsiCheckCondition,
  ScsiUnitAttentionError,
  ScsiStatusError,
  type ScsiDecodeReason,
} from './errors.ts';
export { SCSI_STATUS, SCSI_STATUS_NAMES, scsiStatusName, type ScsiStatusCode } from './status.ts';
export {
  OPCODE,
  SAI_READ_CAPACITY_16,
  PRIN_SERVICE_ACTION,
  PRIN_SERVICE_ACTION_NAMES,
  PROUT_SERVICE_ACTION,
  PROUT_SERVICE_ACTION_NAMES,
  commandName,
  buildTestUnitReadyCdb,
  buildInquiryCdb,
  buildReportLunsCdb,
  buildReadCapacity10Cdb,
  buildReadCapacity16Cdb,
  buildPersistentReserveInCdb,
  buildPersistentReserveOutCdb,
  buildReportSupportedOperationCodesCdb,
  MI_REPORT_SUPPORTED_OPERATION_CODES,
  type ReportSupportedOperationCodesCdbOptions,
  type PrinServiceAction,
  type ProutServiceAction,
  type InquiryCdbOptions,
  type ReportLunsCdbOptions,
  type PersistentReserveOutCdbOptions,
} from './cdb.ts';
export {
  PERIPHERAL_DEVICE_TYPE,
  PERIPHERAL_DEVICE_TYPE_NAMES,
  PERIPHERAL_QUALIFIER_NAMES,
  VERSION_NAMES,
  TPGS_NAMES,
  peripheralDeviceTypeName,
  decodeStandardInquiry,
  type StandardInquiry,
} from './inquiry.ts';
export {
  VPD_PAGE,
  VPD_PAGE_NAMES,
  CODE_SET_NAMES,
  ASSOCIATION_NAMES,
  DESIGNATOR_TYPE,
  DESIGNATOR_TYPE_NAMES,
  NAA_NAMES,
  PROTOCOL_IDENTIFIER_NAMES,
  protocolIdentifierName,
  decodeSupportedVpdPages,
  decodeUnitSerialNumber,
  decodeDeviceIdentification,
  type VpdPageHeader,
  type SupportedVpdPages,
  type UnitSerialNumber,
  type DeviceIdentification,
  type Designator,
  type CodeSet,
  type Association,
} from './vpd.ts';
export { LUN_ADDRESS_METHOD_NAMES, decodeReportLuns, decodeLunEntry, type ReportLuns, type LunEntry } from './luns.ts';
export {
  decodeReadCapacity10,
  decodeReadCapacity16,
  type ReadCapacity,
  type ReadCapacity10,
  type ReadCapacity16,
} from './capacity.ts';
export {
  PR_TYPE,
  PR_TYPE_NAMES,
  PR_SCOPE,
  prTypeName,
  prScopeName,
  decodePrReadKeys,
  decodePrReadReservation,
  decodePrReportCapabilities,
  decodePrReadFullStatus,
  buildProutParameterList,
  buildRegisterAndMoveParameterList,
  type PrType,
  type PrReadKeys,
  type PrReadReservation,
  type PrReportCapabilities,
  type PrReadFullStatus,
  type PrFullStatusDescriptor,
  type ProutParameterListOptions,
  type RegisterAndMoveParameterListOptions,
} from './pr.ts';
export {
  PROTOCOL_IDENTIFIER,
  decodeTransportId,
  buildIscsiTransportId,
  type TransportId,
  type IscsiTransportIdOptions,
} from './transport-id.ts';
export {
  SENSE_KEY,
  SENSE_KEY_NAMES,
  ASC_NAMES,
  SENSE_DESCRIPTOR_TYPE_NAMES,
  senseKeyName,
  ascName,
  decodeSense,
  type Sense,
  type SenseDescriptor,
  type SenseKeySpecific,
} from './sense.ts';
export {
  ScsiDevice,
  type ScsiDeviceOptions,
  type CommandOptions,
  type ExecuteOptions,
  type UnitAttention,
  type ProutParameters,
  type RegisterAndMoveParameters,
} from './device.ts';
export { OPCODE_SUPPORT_NAMES, decodeOneCommandSupport, type OneCommandSupport } from './opcodes.ts';
export {
  SgTransport,
  SgTransportError,
  execFileRunner,
  type SgRunner,
  type SgRunResult,
  type SgRunOptions,
  type SgTransportOptions,
  type SgTransportErrorCode,
} from './sg-transport.ts';
