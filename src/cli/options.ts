/** Option parsers shared by commands; a bad value becomes a usage error (exit 2). */
import { InvalidArgumentError } from 'commander';
import { parseEps, ParsedEps } from '../util/eps';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  return n;
}

export function choice<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got '${value}'`);
    }
    return value as T;
  };
}

/** A fraction in [0, 1] (accuracies and risks). */
export function fractionArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a fraction in [0, 1] (write 0.5 for 50%), got '${value}'`);
  return n;
}

/** A confidence level in (0, 1). */
export function levelArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError(`expected a confidence level in (0, 1), e.g. 0.95, got '${value}'`);
  return n;
}

/** ε: a number > 0 or an exact fraction a/b such as 8/255 (src/util/eps.ts). */
export function epsArg(value: string): ParsedEps {
  try {
    return parseEps(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}
