/**
 * One logical unit behind a ScsiTransport: issues the commands, turns statuses into typed
 * errors, retries after UNIT ATTENTION a bounded number of times (recording each one), and
 * re-issues data-in commands with the length the target reported when the first allocation
 * was too small.
 */
import { capLength } from './bytes.ts';
import {
  buildInquiryCdb,
  buildPersistentReserveInCdb,
  buildPersistentReserveOutCdb,
  buildReadCapacity10Cdb,
  buildReadCapacity16Cdb,
  buildReportLunsCdb,
  buildReportSupportedOperationCodesCdb,
  buildTestUnitReadyCdb,
  commandName,
  PRIN_SERVICE_ACTION,
  PROUT_SERVICE_ACTION,
  type ProutServiceAction,
  type PrinServiceAction,
} from './cdb.ts';
import { decodeReadCapacity10, decodeReadCapacity16, type ReadCapacity } from './capacity.ts';
import { ScsiCheckCondition, ScsiDecodeError, ScsiStatusError, ScsiUnitAttentionError } from './errors.ts';
import { decodeStandardInquiry, type StandardInquiry } from './inquiry.ts';
import { decodeReportLuns, type ReportLuns } from './luns.ts';
import { decodeOneCommandSupport, type OneCommandSupport } from './opcodes.ts';
import {
  buildProutParameterList,
  buildRegisterAndMoveParameterList,
  decodePrReadFullStatus,
  decodePrReadKeys,
  decodePrReadReservation,
  decodePrReportCapabilities,
  type PrReadFullStatus,
  type PrReadKeys,
  type PrReadReservation,
  type PrReportCapabilities,
  type PrType,
} from './pr.ts';
import { decodeSense, SENSE_KEY, type Sense } from './sense.ts';
import { SCSI_STATUS } from './status.ts';
import type { ScsiResponse, ScsiTransport } from './transport.ts';
import {
  decodeDeviceIdentification,
  decodeSupportedVpdPages,
  decodeUnitSerialNumber,
  VPD_PAGE,
  type DeviceIdentification,
  type SupportedVpdPages,
  type UnitSerialNumber,
} from './vpd.ts';

export interface ScsiDeviceOptions {
  /** Retries of one command after UNIT ATTENTION before giving up. Default 3. */
  readonly unitAttentionRetries?: number;
  /** The largest allocation length taken from target data (REPORT LUNS). Default 1 MiB. */
  readonly maxAllocationLength?: number;
}

export interface CommandOptions {
  readonly signal?: AbortSignal;
}

export interface ExecuteOptions extends CommandOptions {
  readonly dataInLength?: number;
  readonly dataOut?: Uint8Array;
}

/** A UNIT ATTENTION met on a command (which was then retried, or failed). */
export interface UnitAttention {
  readonly asc: number | undefined;
  readonly ascq: number | undefined;
  readonly name: string;
  readonly command: string;
}

export interface ProutParameters {
  /** Byte 2 bits 7-4; default 0 (LU_SCOPE). */
  readonly scope?: number;
  /** Byte 2 bits 3-0: the reservation type (PR_TYPE). */
  readonly type?: number;
  /** RESERVATION KEY: the key this I_T nexus is registered with. Default 0. */
  readonly key?: bigint;
  /** SERVICE ACTION RESERVATION KEY: the new key (REGISTER...) or the key to preempt. Default 0. */
  readonly saKey?: bigint;
  readonly specIPT?: boolean;
  readonly allTgPt?: boolean;
  readonly aptpl?: boolean;
  /** With specIPT: further initiator ports to register. */
  readonly transportIds?: readonly Uint8Array[];
}

export interface RegisterAndMoveParameters {
  readonly key: bigint;
  readonly saKey: bigint;
  readonly type: PrType;
  readonly scope?: number;
  readonly unreg?: boolean;
  readonly aptpl?: boolean;
  readonly relativeTargetPortIdentifier: number;
  readonly transportId: Uint8Array;
}

/** First allocation lengths: enough for every target seen so far in one round trip. */
const INITIAL_ALLOCATION = {
  inquiry: 0xff,
  vpd: 0xff,
  reportLuns: 4096,
  readKeys: 1024,
  readReservation: 24,
  reportCapabilities: 8,
  readFullStatus: 4096,
} as const;

/** The widest ALLOCATION LENGTH fields: INQUIRY and PERSISTENT RESERVE IN have 16 bits. */
const MAX_16 = 0xffff;
/** A list can grow between two issues; three issues settle it or return what came. */
const MAX_ISSUES = 3;

function tryDecodeSense(sense: Uint8Array | undefined): Sense | undefined {
  if (sense === undefined || sense.length === 0) return undefined;
  try {
    return decodeSense(sense);
  } catch (error) {
    if (error instanceof ScsiDecodeError) return undefined;
    throw error;
  }
}

export class ScsiDevice {
  readonly transport: ScsiTransport;
  readonly lun: number;
  /** Every UNIT ATTENTION met, in order, including the ones retried past. */
  readonly unitAttentions: UnitAttention[] = [];
  readonly #unitAttentionRetries: number;
  readonly #maxAllocationLength: number;

  constructor(transport: ScsiTransport, lun: number, options: ScsiDeviceOptions = {}) {
    if (!Number.isInteger(lun) || lun < 0 || lun > 0x3fff) throw new RangeError(`LUN ${lun} out of range 0..16383`);
    this.transport = transport;
    this.lun = lun;
    this.#unitAttentionRetries = options.unitAttentionRetries ?? 3;
    this.#maxAllocationLength = options.maxAllocationLength ?? 1024 * 1024;
  }

  /**
   * Sends one CDB. Resolves with the response on GOOD; throws ScsiCheckCondition,
   * ScsiUnitAttentionError (UNIT ATTENTION after the retries) or ScsiStatusError.
   */
  async execute(cdb: Uint8Array, options: ExecuteOptions = {}): Promise<ScsiResponse> {
    const command = commandName(cdb);
    const { signal, dataOut } = options;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const response = await this.transport.execute({
        lun: this.lun,
        cdb,
        dataInLength: options.dataInLength ?? 0,
        ...(dataOut !== undefined ? { dataOut } : {}),
        ...(signal !== undefined ? { signal } : {}),
      });
      if (response.status === SCSI_STATUS.GOOD) return response;
      if (response.status !== SCSI_STATUS.CHECK_CONDITION) throw new ScsiStatusError(command, response.status);
      const sense = tryDecodeSense(response.sense);
      if (sense?.senseKey !== SENSE_KEY.UNIT_ATTENTION) throw new ScsiCheckCondition(command, response.sense, sense);
      this.unitAttentions.push({
        asc: sense.asc,
        ascq: sense.ascq,
        name: sense.ascName ?? sense.senseKeyName,
        command,
      });
      if (attempt > this.#unitAttentionRetries)
        throw new ScsiUnitAttentionError(command, response.sense, sense, attempt);
    }
  }

  /**
   * Issues a data-in command, and again with the length the data says it needs when that is
   * more than was allocated, up to `max`. Over `cap` (lengths with no field limit) it throws.
   */
  async #dataIn<T extends { readonly needed: number; readonly complete: boolean }>(
    build: (allocationLength: number) => Uint8Array,
    decode: (data: Uint8Array) => T,
    initial: number,
    max: number,
    options: CommandOptions,
    cap?: { readonly structure: string; readonly field: string },
  ): Promise<T> {
    let allocation = Math.min(initial, max);
    for (let issue = 1; ; issue++) {
      const response = await this.execute(build(allocation), { dataInLength: allocation, ...options });
      const result = decode(response.data);
      if (result.complete || result.needed <= allocation || allocation >= max || issue >= MAX_ISSUES) return result;
      if (cap !== undefined) capLength(result.needed, this.#maxAllocationLength, cap.structure, cap.field);
      allocation = Math.min(result.needed, max);
    }
  }

  async testUnitReady(options: CommandOptions = {}): Promise<void> {
    await this.execute(buildTestUnitReadyCdb(), options);
  }

  inquiry(options: CommandOptions = {}): Promise<StandardInquiry> {
    return this.#dataIn(
      (allocationLength) => buildInquiryCdb({ allocationLength }),
      decodeStandardInquiry,
      INITIAL_ALLOCATION.inquiry,
      MAX_16,
      options,
    );
  }

  #vpd<T extends { readonly needed: number; readonly complete: boolean }>(
    page: number,
    decode: (data: Uint8Array) => T,
    options: CommandOptions,
  ): Promise<T> {
    return this.#dataIn(
      (allocationLength) => buildInquiryCdb({ allocationLength, vpdPage: page }),
      decode,
      INITIAL_ALLOCATION.vpd,
      MAX_16,
      options,
    );
  }

  vpdPages(options: CommandOptions = {}): Promise<SupportedVpdPages> {
    return this.#vpd(VPD_PAGE.SUPPORTED_VPD_PAGES, decodeSupportedVpdPages, options);
  }

  unitSerial(options: CommandOptions = {}): Promise<UnitSerialNumber> {
    return this.#vpd(VPD_PAGE.UNIT_SERIAL_NUMBER, decodeUnitSerialNumber, options);
  }

  deviceIdentification(options: CommandOptions = {}): Promise<DeviceIdentification> {
    return this.#vpd(VPD_PAGE.DEVICE_IDENTIFICATION, decodeDeviceIdentification, options);
  }

  /** REPORT LUNS, re-issued with the reported LUN LIST LENGTH (capped by maxAllocationLength). */
  reportLuns(options: CommandOptions = {}): Promise<ReportLuns> {
    return this.#dataIn(
      (allocationLength) => buildReportLunsCdb({ allocationLength }),
      decodeReportLuns,
      INITIAL_ALLOCATION.reportLuns,
      Math.min(0xffffffff, this.#maxAllocationLength),
      options,
      {
        structure: 'REPORT LUNS parameter data',
        field: 'LUN LIST LENGTH',
      },
    );
  }

  /** READ CAPACITY(10), then READ CAPACITY(16) when the last LBA does not fit in 32 bits. */
  async readCapacity(options: CommandOptions = {}): Promise<ReadCapacity> {
    const r10 = decodeReadCapacity10(
      (await this.execute(buildReadCapacity10Cdb(), { dataInLength: 8, ...options })).data,
    );
    if (!r10.needsReadCapacity16) return r10;
    return decodeReadCapacity16(
      (await this.execute(buildReadCapacity16Cdb(32), { dataInLength: 32, ...options })).data,
    );
  }

  /**
   * Whether the device server supports one operation code (REPORT SUPPORTED OPERATION CODES,
   * one-command form): asks, never sends the command itself.
   */
  operationCodeSupport(
    operationCode: number,
    serviceAction?: number,
    options: CommandOptions = {},
  ): Promise<OneCommandSupport> {
    const build = (allocationLength: number) =>
      buildReportSupportedOperationCodesCdb({
        requestedOperationCode: operationCode,
        ...(serviceAction !== undefined ? { requestedServiceAction: serviceAction } : {}),
        allocationLength,
      });
    return this.#dataIn(build, decodeOneCommandSupport, 64, MAX_16, options);
  }

  /** PERSISTENT RESERVE IN with one service action: its 16-bit ALLOCATION LENGTH grows as the data needs. */
  #prIn<T extends { readonly needed: number; readonly complete: boolean }>(
    serviceAction: PrinServiceAction,
    decode: (data: Uint8Array) => T,
    initial: number,
    options: CommandOptions,
  ): Promise<T> {
    return this.#dataIn((n) => buildPersistentReserveInCdb(serviceAction, n), decode, initial, MAX_16, options);
  }

  prReadKeys(options: CommandOptions = {}): Promise<PrReadKeys> {
    return this.#prIn(PRIN_SERVICE_ACTION.READ_KEYS, decodePrReadKeys, INITIAL_ALLOCATION.readKeys, options);
  }

  prReadReservation(options: CommandOptions = {}): Promise<PrReadReservation> {
    return this.#prIn(
      PRIN_SERVICE_ACTION.READ_RESERVATION,
      decodePrReadReservation,
      INITIAL_ALLOCATION.readReservation,
      options,
    );
  }

  prReportCapabilities(options: CommandOptions = {}): Promise<PrReportCapabilities> {
    return this.#prIn(
      PRIN_SERVICE_ACTION.REPORT_CAPABILITIES,
      decodePrReportCapabilities,
      INITIAL_ALLOCATION.reportCapabilities,
      options,
    );
  }

  prReadFullStatus(options: CommandOptions = {}): Promise<PrReadFullStatus> {
    return this.#prIn(
      PRIN_SERVICE_ACTION.READ_FULL_STATUS,
      decodePrReadFullStatus,
      INITIAL_ALLOCATION.readFullStatus,
      options,
    );
  }

  /** PERSISTENT RESERVE OUT with the basic parameter list; REGISTER AND MOVE has registerAndMove(). */
  async prOut(
    serviceAction: ProutServiceAction,
    parameters: ProutParameters = {},
    options: CommandOptions = {},
  ): Promise<void> {
    if (serviceAction === PROUT_SERVICE_ACTION.REGISTER_AND_MOVE)
      throw new RangeError('REGISTER AND MOVE takes its own parameter list: use registerAndMove()');
    const dataOut = buildProutParameterList({
      ...(parameters.key !== undefined ? { reservationKey: parameters.key } : {}),
      ...(parameters.saKey !== undefined ? { serviceActionReservationKey: parameters.saKey } : {}),
      ...(parameters.specIPT !== undefined ? { specIPT: parameters.specIPT } : {}),
      ...(parameters.allTgPt !== undefined ? { allTgPt: parameters.allTgPt } : {}),
      ...(parameters.aptpl !== undefined ? { aptpl: parameters.aptpl } : {}),
      ...(parameters.transportIds !== undefined ? { transportIds: parameters.transportIds } : {}),
    });
    const cdb = buildPersistentReserveOutCdb({
      serviceAction,
      scope: parameters.scope ?? 0,
      type: parameters.type ?? 0,
      parameterListLength: dataOut.length,
    });
    await this.execute(cdb, { dataOut, ...options });
  }

  /** REGISTER: key = the current key (0 when not registered), saKey = the new key (0 unregisters). */
  register(
    parameters: {
      key?: bigint;
      saKey: bigint;
      allTgPt?: boolean;
      aptpl?: boolean;
      specIPT?: boolean;
      transportIds?: readonly Uint8Array[];
    },
    options: CommandOptions = {},
  ): Promise<void> {
    return this.prOut(PROUT_SERVICE_ACTION.REGISTER, parameters, options);
  }

  /** REGISTER AND IGNORE EXISTING KEY: registers saKey whatever is registered; saKey 0 unregisters. */
  registerAndIgnore(
    parameters: { saKey: bigint; allTgPt?: boolean; aptpl?: boolean },
    options: CommandOptions = {},
  ): Promise<void> {
    return this.prOut(PROUT_SERVICE_ACTION.REGISTER_AND_IGNORE_EXISTING_KEY, parameters, options);
  }

  reserve(parameters: { key: bigint; type: PrType; scope?: number }, options: CommandOptions = {}): Promise<void> {
    return this.prOut(PROUT_SERVICE_ACTION.RESERVE, parameters, options);
  }

  /** RELEASE: the type must match the reservation's, else 05/26/04 INVALID RELEASE OF PERSISTENT RESERVATION. */
  release(parameters: { key: bigint; type: PrType; scope?: number }, options: CommandOptions = {}): Promise<void> {
    return this.prOut(PROUT_SERVICE_ACTION.RELEASE, parameters, options);
  }

  clear(parameters: { key: bigint }, options: CommandOptions = {}): Promise<void> {
    return this.prOut(PROUT_SERVICE_ACTION.CLEAR, parameters, options);
  }

  /** PREEMPT: key = ours, saKey = the registrant (or holder) to remove. */
  preempt(
    parameters: { key: bigint; saKey: bigint; type: PrType; scope?: number },
    options: CommandOptions = {},
  ): Promise<void> {
    return this.prOut(PROUT_SERVICE_ACTION.PREEMPT, parameters, options);
  }

  preemptAndAbort(
    parameters: { key: bigint; saKey: bigint; type: PrType; scope?: number },
    options: CommandOptions = {},
  ): Promise<void> {
    return this.prOut(PROUT_SERVICE_ACTION.PREEMPT_AND_ABORT, parameters, options);
  }

  /** REGISTER AND MOVE (SPC-4 5.12.8): moves the reservation to the I_T nexus named by transportId. */
  async registerAndMove(parameters: RegisterAndMoveParameters, options: CommandOptions = {}): Promise<void> {
    const dataOut = buildRegisterAndMoveParameterList({
      reservationKey: parameters.key,
      serviceActionReservationKey: parameters.saKey,
      unreg: parameters.unreg ?? false,
      aptpl: parameters.aptpl ?? false,
      relativeTargetPortIdentifier: parameters.relativeTargetPortIdentifier,
      transportId: parameters.transportId,
    });
    const cdb = buildPersistentReserveOutCdb({
      serviceAction: PROUT_SERVICE_ACTION.REGISTER_AND_MOVE,
      scope: parameters.scope ?? 0,
      type: parameters.type,
      parameterListLength: dataOut.length,
    });
    await this.execute(cdb, { dataOut, ...options });
  }
}
