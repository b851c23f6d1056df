import type { RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { GauntletError } from '../../errors';
import { sendProblem, toProblem } from '../problem';

class TooManyRequestsError extends GauntletError {
  constructor(message: string) {
    super(message, 'rate_limited', 429);
  }
}

/** Per-key request limit per minute of authenticated requests, with RateLimit headers (draft-8). */
export function perKeyRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => (res.locals.principal?.keyId ? `key:${res.locals.principal.keyId}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`),
    handler: (req, res) => sendProblem(res, toProblem(
      new TooManyRequestsError(`more than ${perMinute} requests per minute for this API key; wait and retry (see the RateLimit headers)`),
      req.originalUrl.split('?')[0], res.locals.requestId)),
  });
}

/**
 * Per-client-address request limit per minute of requests without a valid API key (failed
 * authentication, the public routes other than the probes, unknown routes), with RateLimit headers
 * (draft-8). IPv6 addresses count per /56 (express-rate-limit's ipKeyGenerator).
 */
export function perAddressRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'unauthenticated',
    keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`,
    handler: (req, res) => sendProblem(res, toProblem(
      new TooManyRequestsError(`more than ${perMinute} requests per minute from this address without a valid API key (GAUNTLET_RATE_LIMIT_UNAUTHENTICATED); wait and retry (see the RateLimit headers)`),
      req.originalUrl.split('?')[0], res.locals.requestId)),
  });
}
