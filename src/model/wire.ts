/**
 * Messages between the worker pool (pool.ts) and its workers (worker.ts), and the error
 * encoding that lets a worker's GauntletError arrive as the same subclass on the main
 * thread (structured clone keeps only plain Error fields).
 */
import {
  CancelledError, DataError, GauntletError, ModelError, ProviderError, RuntimeFailure, UnsupportedOpError, UsageError,
} from '../errors';
import { GradientShapeError } from './verify';

/** Main → worker. */
export type ToWorker =
  | { type: 'call'; id: number; kind: string; payload: unknown }
  | { type: 'cancel'; id: number };

/** Worker → main. */
export type FromWorker =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError };

/** An error as plain data. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  httpStatus?: number;
  operational?: boolean;
  details?: Record<string, unknown>;
}

/** Encodes any thrown value for postMessage. */
export function toWire(e: unknown): WireError {
  if (e instanceof GauntletError) {
    return { name: e.name, message: e.message, stack: e.stack, code: e.code, httpStatus: e.httpStatus, operational: e.operational, details: e.details };
  }
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

type Ctor = new (message: string, details?: Record<string, unknown>) => GauntletError;
const BY_NAME: Record<string, Ctor> = {
  ModelError, UnsupportedOpError, DataError, ProviderError, UsageError, RuntimeFailure,
  GradientShapeError: GradientShapeError as unknown as Ctor,
};

/** Rebuilds the error on the receiving side: the same GauntletError subclass, code and details. */
export function fromWire(w: WireError): Error {
  let e: Error;
  if (w.name === 'CancelledError') e = new CancelledError(w.message);
  else if (BY_NAME[w.name]) e = new BY_NAME[w.name](w.message, w.details ?? {});
  else if (w.code !== undefined) {
    e = new GauntletError(w.message, w.code, w.httpStatus, w.operational, w.details);
    e.name = w.name;
  }
  else {
    e = new Error(w.message);
    e.name = w.name;
  }
  if (w.stack) e.stack = `${w.stack}\n    (in a Gauntlet runtime worker)`;
  return e;
}

/**
 * A typed array that owns its whole ArrayBuffer (copied if it is a view into a larger or
 * pooled buffer, e.g. a Node Buffer slab), so that the buffer can be transferred safely.
 */
export function owning<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(a: T): T {
  if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) return a;
  return a.slice() as T;
}
