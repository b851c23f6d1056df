/** Errors that only the HTTP service raises; each maps to its status in the problem document. */
import { GauntletError } from './index';

/** No such resource, or not the caller's (another tenant's audits are reported as absent). */
export class NotFoundError extends GauntletError {
  constructor(message: string) {
    super(message, 'not_found', 404);
  }
}

/** Missing or unknown API key. */
export class UnauthorizedError extends GauntletError {
  constructor(message: string) {
    super(message, 'unauthorized', 401);
  }
}

/** The key is valid but its role does not allow the request. */
export class ForbiddenError extends GauntletError {
  constructor(message: string) {
    super(message, 'forbidden', 403);
  }
}

/** An upload exceeds its size limit. */
export class PayloadTooLargeError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'payload_too_large', 413, true, details);
  }
}

/** The request conflicts with the resource's state (e.g. a report of an unfinished audit). */
export class ConflictError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'conflict', 409, true, details);
  }
}

/** The request body is not of an accepted media type. */
export class UnsupportedMediaTypeError extends GauntletError {
  constructor(message: string) {
    super(message, 'unsupported_media_type', 415);
  }
}

/** The client sent its upload too slowly: no bytes for the idle timeout, or not all within the body timeout. */
export class RequestTimeoutError extends GauntletError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'request_timeout', 408, true, details);
  }
}

/** The client disconnected before its request was answered; nothing was done on its behalf. */
export class ClientClosedRequestError extends GauntletError {
  constructor(message: string) {
    super(message, 'client_closed_request', 499);
  }
}
