/**
 * One TCP connection to a portal, carrying PDUs. Connect, receive and close all have time
 * limits; every failure names the portal and the step. Received PDUs go to a handler when one
 * is set (full-feature phase) or wait in a queue for `receive` (login, discovery).
 */
import { Socket } from 'node:net';
import { PduFramer } from './framer.ts';
import { serializePdu, type DigestOptions, type Pdu, NO_DIGESTS } from './pdu.ts';
import { IscsiConnectionError, IscsiTimeoutError, type IscsiStep } from './errors.ts';
import { formatPortal, type Portal } from '../facts/portal.ts';

// Pure portal parsing lives in the facts layer, shared with the storage checks.
export { DEFAULT_ISCSI_PORT, formatPortal, parsePortal, type Portal } from '../facts/portal.ts';

export interface ConnectOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

const CONNECT_ERRORS: Readonly<Record<string, (port: number) => string>> = {
  ECONNREFUSED: (port) =>
    `connection refused: nothing is listening on TCP ${port} there (is the target service running, and on port ${port}? does its firewall reject ${port}?)`,
  ENOTFOUND: () => 'the host name does not resolve (check the portal address and DNS)',
  EAI_AGAIN: () => 'the host name could not be resolved right now (DNS not answering)',
  EHOSTUNREACH: () => 'no route to the host (check the address, VLAN and routing)',
  ENETUNREACH: () => 'the network is unreachable from this machine',
  ECONNRESET: () => 'the target reset the connection',
  EPIPE: () => 'the target closed the connection while we were sending',
};

/** What a socket error code means for a connection to `port`; `fallback` for the others. */
export function describeSocketError(code: string, fallback: string, port: number): string {
  return CONNECT_ERRORS[code]?.(port) ?? fallback;
}

type Waiter = { resolve: (pdu: Pdu) => void; reject: (err: Error) => void };

export class IscsiConnection {
  readonly portal: Portal;
  readonly label: string;
  readonly #socket: Socket;
  readonly #framer = new PduFramer();
  readonly #queue: Pdu[] = [];
  readonly #waiters: Waiter[] = [];
  #handler: ((pdu: Pdu) => void) | undefined;
  #closedError: Error | undefined;
  #closeListeners: ((err: Error) => void)[] = [];
  #digests: DigestOptions = NO_DIGESTS;
  /** The step in progress, for the error a dropped connection produces. */
  step: IscsiStep = 'connect';

  private constructor(portal: Portal, socket: Socket) {
    this.portal = portal;
    this.label = formatPortal(portal);
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.#fail(
        new IscsiConnectionError(
          this.label,
          this.step,
          err.code ?? 'EUNKNOWN',
          describeSocketError(err.code ?? '', err.message, portal.port),
        ),
      ),
    );
    socket.on('close', () =>
      this.#fail(new IscsiConnectionError(this.label, this.step, 'EOF', 'the target closed the connection')),
    );
  }

  static connect(portal: Portal, options: ConnectOptions): Promise<IscsiConnection> {
    const label = formatPortal(portal);
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.setNoDelay(true);
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('error');
        socket.removeAllListeners('connect');
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(new IscsiConnection(portal, socket));
      };
      const timer = setTimeout(
        () =>
          finish(
            new IscsiTimeoutError(
              label,
              'connect',
              options.timeoutMs,
              `no answer to the TCP connection attempt: a firewall dropping port ${portal.port}, or a wrong address`,
            ),
          ),
        options.timeoutMs,
      );
      const onAbort = () => finish(new IscsiConnectionError(label, 'connect', 'EABORT', 'cancelled'));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (err: NodeJS.ErrnoException) =>
        finish(
          new IscsiConnectionError(
            label,
            'connect',
            err.code ?? 'EUNKNOWN',
            describeSocketError(err.code ?? '', err.message, portal.port),
          ),
        ),
      );
      socket.once('connect', () => finish());
      socket.connect({ host: portal.host, port: portal.port });
    });
  }

  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  setDigests(digests: DigestOptions): void {
    this.#digests = digests;
    this.#framer.setDigests(digests);
  }

  setMaxRecvDataSegment(bytes: number): void {
    // Allow what we declared, with headroom for targets that round up.
    this.#framer.setMaxDataSegment(Math.max(bytes, 8192) * 2);
  }

  send(pdu: Pdu): void {
    if (this.#closedError) throw this.#closedError;
    this.#socket.write(serializePdu(pdu, this.#digests));
  }

  /** Next PDU from the queue (login and discovery), with a time limit naming the step. */
  receive(step: IscsiStep, timeoutMs: number, signal?: AbortSignal): Promise<Pdu> {
    this.step = step;
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closedError) return Promise.reject(this.#closedError);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (pdu) => {
          cleanup();
          resolve(pdu);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const timer = setTimeout(
        () =>
          waiter.reject(
            new IscsiTimeoutError(this.label, step, timeoutMs, 'the target accepted the connection but did not answer'),
          ),
        timeoutMs,
      );
      const onAbort = () => waiter.reject(new IscsiConnectionError(this.label, step, 'EABORT', 'cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
      this.#waiters.push(waiter);
    });
  }

  /** From now on, PDUs go to `handler` as they arrive (queued ones first). */
  setHandler(handler: (pdu: Pdu) => void): void {
    this.#handler = handler;
    while (this.#queue.length > 0) handler(this.#queue.shift()!);
  }

  onClose(listener: (err: Error) => void): void {
    if (this.#closedError) listener(this.#closedError);
    else this.#closeListeners.push(listener);
  }

  /** Closes the socket; pending receives fail with `reason`. */
  close(reason?: Error): void {
    this.#fail(
      reason ?? new IscsiConnectionError(this.label, this.step, 'ECLOSED', 'connection closed by clusterprobe'),
    );
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let pdus: Pdu[];
    try {
      pdus = this.#framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (err) {
      this.close(err as Error);
      return;
    }
    for (const pdu of pdus) {
      if (this.#handler) this.#handler(pdu);
      else {
        const waiter = this.#waiters.shift();
        if (waiter) waiter.resolve(pdu);
        else this.#queue.push(pdu);
      }
    }
  }

  #fail(err: Error): void {
    if (this.#closedError) return;
    this.#closedError = err;
    for (const w of this.#waiters.splice(0)) w.reject(err);
    for (const l of this.#closeListeners.splice(0)) l(err);
    this.#socket.destroy();
  }
}
