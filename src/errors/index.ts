/**
 * One error base class for the whole project: a stable machine-readable `code`, the HTTP
 * status a server maps it to, and whether it is operational (bad input, missing provider:
 * report it and carry on) or a programming error (a bug: report it loudly).
 */
export class GauntletError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly httpStatus = 400,
    readonly operational = true,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The model file is malformed, hostile, or outside what Gauntlet accepts. */
export class ModelError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'invalid_model', 422, true, details);
  }
}

/** The model uses an operator for which no gradient rule exists. */
export class UnsupportedOpError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'unsupported_op', 422, true, details);
  }
}

/**
 * A certificate that an attack broke: a bug in a bound rule. The audit stops and signs nothing
 * (not operational: it is Gauntlet's fault, never the user's).
 */
export class SoundnessViolation extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'soundness_violation', 500, false, details);
  }
}

/** An evaluation set (.npz/.npy) is malformed or does not fit the model. */
export class DataError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'invalid_data', 422, true, details);
  }
}

/** A requested execution provider (cuda, webgpu) is not available on this host. */
export class ProviderError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'provider_unavailable', 503, true, details);
  }
}

/** Bad command-line or API arguments. */
export class UsageError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'usage', 400, true, details);
  }
}

/** ONNX Runtime failed while running a session (message carries ORT's text). */
export class RuntimeFailure extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'runtime_failure', 500, true, details);
  }
}

/** Work was cancelled through an AbortSignal. */
export class CancelledError extends GauntletError {
  constructor(message = 'cancelled') {
    super(message, 'cancelled', 499, true);
  }
}

/** The state under GAUNTLET_HOME (the job database) is damaged or missing while it should exist. */
export class StateError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'damaged_state', 503, true, details);
  }
}

/**
 * An internal invariant does not hold: a bug in Gauntlet, never the user's input. Not operational
 * (the service answers a generic 500 and logs the details).
 */
export class InternalError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'internal', 500, false, details);
  }
}
