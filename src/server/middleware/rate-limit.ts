import type { RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { GauntletError } from '../../errors';
import { sendProblem, toProblem } from '../problem';

class TooManyRequestsError extends GauntletError {
  constructor(limit: number) {
    super(`more than ${limit} requests per minute for this API key; wait and retry (see the RateLimit headers)`, 'rate_limited', 429);
  }
}

/** Per-key (per-address before authentication) request limit per minute, with RateLimit headers (draft-8). */
export function perKeyRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => (res.locals.principal?.keyId ? `key:${res.locals.principal.keyId}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`),
    handler: (req, res) => sendProblem(res, toProblem(new TooManyRequestsError(perMinute), req.originalUrl.split('?')[0], res.locals.requestId)),
  });
}
