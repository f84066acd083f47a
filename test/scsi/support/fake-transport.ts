/**
 * FakeScsiTransport: a scripted stand-in for a transport, for the unit tests of ScsiDevice's
 * own logic only (re-issue on a short allocation, bounded UNIT ATTENTION retry, status to typed
 * error, abort). It knows nothing of SCSI semantics: each call is answered by the next scripted
 * handler. Behaviour against real targets is tested in test/integration against tgt.
 */
import type { ScsiRequest, ScsiResponse, ScsiTransport } from '../../../src/scsi/transport.ts';

export type ScriptedAnswer = ScsiResponse | ((request: ScsiRequest) => ScsiResponse);

export class FakeScsiTransport implements ScsiTransport {
  readonly requests: ScsiRequest[] = [];
  readonly #script: ScriptedAnswer[];

  constructor(script: ScriptedAnswer[]) {
    this.#script = [...script];
  }

  get remaining(): number {
    return this.#script.length;
  }

  async execute(request: ScsiRequest): Promise<ScsiResponse> {
    this.requests.push(request);
    const next = this.#script.shift();
    if (next === undefined)
      throw new Error(`FakeScsiTransport: no scripted answer for request ${this.requests.length}`);
    return typeof next === 'function' ? next(request) : next;
  }
}

/** GOOD with data, cut to the allocation length as a target would. */
export function good(data: Uint8Array | number[] = []): (request: ScsiRequest) => ScsiResponse {
  return (request) => {
    const all = Uint8Array.from(data);
    const sent = all.subarray(0, Math.min(all.length, request.dataInLength));
    return { status: 0x00, data: sent, residual: request.dataInLength - sent.length };
  };
}

export function checkCondition(sense: number[]): ScsiResponse {
  return { status: 0x02, data: new Uint8Array(0), sense: Uint8Array.from(sense), residual: 0 };
}

export function status(code: number): ScsiResponse {
  return { status: code, data: new Uint8Array(0), residual: 0 };
}
