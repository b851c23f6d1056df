/**
 * The one winston logger factory: JSON lines to stdout. Callers derive child loggers that carry
 * request or job ids. Library code receives a Logger; it never imports the server. Nothing that
 * is a secret (API keys, signing keys) or user content (uploads) is ever passed to a logger.
 */
import winston from 'winston';

export type Logger = winston.Logger;

/** A JSON logger at `level` ('silent' logs nothing). */
export function createLogger(level: string = 'info', stream: NodeJS.WritableStream = process.stdout): Logger {
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream })],
  });
}
