/**
 * Errors as RFC 9457 problem documents (`application/problem+json`): one central handler maps
 * every error to { type, title, status, detail, instance, code, requestId, …details }. Operational
 * errors (GauntletError) carry their own status and message; anything else is a 500 whose detail
 * says nothing about internals (the log has the stack, under the request id).
 */
import type { ErrorRequestHandler, Response } from 'express';
import { GauntletError } from '../errors';
import type { Logger } from '../logging/logger';

export const PROBLEM_TYPE_BASE = 'https://gauntlet.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 408: 'Request timeout', 409: 'Conflict',
  413: 'Payload too large', 415: 'Unsupported media type', 422: 'Unprocessable content', 429: 'Too many requests',
  499: 'Client closed request', 500: 'Internal server error', 503: 'Service unavailable',
};

/** The problem document of an error. */
export function toProblem(e: unknown, instance?: string, requestId?: string): Problem {
  if (e instanceof GauntletError && e.operational) {
    const status = e.httpStatus >= 400 && e.httpStatus < 600 ? e.httpStatus : 400;
    return {
      type: `${PROBLEM_TYPE_BASE}${e.code}`, title: TITLES[status] ?? 'Error', status, detail: e.message, instance, code: e.code, requestId,
      ...(e.details ? sanitize(e.details) : {}),
    };
  }
  const status = (e as { status?: number; statusCode?: number })?.status ?? (e as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser and friends (malformed JSON, too large…): their messages are safe and short.
    return { type: `${PROBLEM_TYPE_BASE}bad_request`, title: TITLES[status] ?? 'Bad request', status, detail: String((e as Error).message), instance, code: 'bad_request', requestId };
  }
  return { type: `${PROBLEM_TYPE_BASE}internal`, title: TITLES[500], status: 500, detail: 'an unexpected error occurred; the server log has details under this request id', instance, code: 'internal', requestId };
}

/** Extension members must not shadow the standard ones, and stay small. */
function sanitize(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    if (['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId', 'path'].includes(k)) continue;
    if ((JSON.stringify(v)?.length ?? 0) > 2000) continue;
    out[k] = v;
  }
  return out;
}

/** Sends a problem document. */
export function sendProblem(res: Response, p: Problem): void {
  res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}

/** The central error handler. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) { next(err); return; }
    const requestId = res.locals.requestId as string | undefined;
    const p = toProblem(err, req.originalUrl.split('?')[0], requestId);
    const log = (res.locals.logger as Logger | undefined) ?? logger;
    if (p.status >= 500) log.error('request failed', { err: (err as Error)?.message, stack: (err as Error)?.stack });
    if (typeof p.retryAfterS === 'number') res.setHeader('Retry-After', String(Math.ceil(p.retryAfterS)));
    sendProblem(res, p);
  };
}
