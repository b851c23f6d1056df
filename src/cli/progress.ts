/**
 * The audit's progress on stderr (stdout carries the summary). One figure for the whole audit
 * (src/audit/progress.ts), the time spent and an estimate of the time left.
 *
 * - On a terminal: one cli-progress bar for the whole audit, redrawn every second.
 * - Elsewhere (a pipe, a CI log): a plain line when the audit starts, then at most every
 *   `minSeconds` (10 s) when something changed and at least every `maxSeconds` (30 s) while it
 *   runs (a timer, so a long unit still shows the run is alive), e.g.
 *   `[gauntlet] battery 42% overall, elapsed 1m05s, ETA 1m30s — stage 2/6 apgd-t, chunk 1/5, …`.
 */
import { SingleBar } from 'cli-progress';
import type { AuditProgress } from '../audit/audit';
import { etaFromFraction, overallFraction } from '../audit/progress';

/** What a display writes to and how it tells time (tests pass a fake clock). */
export interface ProgressDisplayOptions {
  stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Draw a bar (a terminal) or print plain lines (default: stream.isTTY). */
  tty?: boolean;
  /** Milliseconds since some origin (default Date.now). */
  now?: () => number;
  setInterval?: (f: () => void, ms: number) => unknown;
  clearInterval?: (t: unknown) => void;
  /** Plain lines: the least and the most seconds between two lines (default 10 and 30). */
  minSeconds?: number;
  maxSeconds?: number;
}

/** Prefix of every plain progress line (tests and log filters look for it). */
export const PROGRESS_PREFIX = '[gauntlet] ';

/** "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Shows an audit's progress until stop(). */
export class ProgressDisplay {
  private readonly now: () => number;
  private readonly started: number;
  private readonly tty: boolean;
  private readonly minMs: number;
  private readonly maxMs: number;
  private latest: AuditProgress | null = null;
  private overall = 0;
  private changed = false;
  private lastLine: number | null = null;
  private timer: unknown;
  private bar: SingleBar | null = null;
  private stopped = false;

  constructor(private readonly o: ProgressDisplayOptions) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
    this.tty = o.tty ?? o.stream.isTTY === true;
    this.minMs = 1000 * (o.minSeconds ?? 10);
    this.maxMs = 1000 * (o.maxSeconds ?? 30);
    const every = this.tty ? 1000 : Math.min(1000, this.minMs);
    const t = (o.setInterval ?? setInterval)(() => this.tick(), every);
    (t as NodeJS.Timeout | undefined)?.unref?.();
    this.timer = t;
  }

  /** Folds in one progress event (the overall figure never goes back). */
  update(p: AuditProgress): void {
    if (this.stopped) return;
    this.latest = p;
    this.overall = Math.max(this.overall, overallFraction(p));
    this.changed = true;
    if (this.tty) this.draw();
    else if (this.lastLine === null) this.line();
  }

  /** Called by the timer (every second; tests call it with a fake clock). */
  tick(): void {
    if (this.stopped || this.latest === null) return;
    if (this.tty) { this.draw(); return; }
    const since = this.now() - (this.lastLine ?? this.started);
    if (since >= this.maxMs || (this.changed && since >= this.minMs)) this.line();
  }

  /** Stops the timer and removes the bar. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    (this.o.clearInterval ?? clearInterval)(this.timer as NodeJS.Timeout);
    if (this.bar) this.bar.stop();
  }

  /** The plain line for the current state. */
  text(): string {
    const p = this.latest!;
    const elapsed = (this.now() - this.started) / 1000;
    const eta = etaFromFraction(elapsed, this.overall);
    return `${PROGRESS_PREFIX}${p.phase} ${Math.floor(100 * this.overall)}% overall, elapsed ${formatDuration(elapsed)}, ETA ${eta === null ? 'unknown' : formatDuration(eta)} — ${p.message}`;
  }

  private line(): void {
    this.o.stream.write(`${this.text()}\n`);
    this.lastLine = this.now();
    this.changed = false;
  }

  private draw(): void {
    const p = this.latest!;
    const elapsed = (this.now() - this.started) / 1000;
    const eta = etaFromFraction(elapsed, this.overall);
    const payload = { what: `${p.phase}: ${p.message}`, elapsedText: formatDuration(elapsed), etaText: eta === null ? 'unknown' : formatDuration(eta) };
    const value = Math.round(1000 * this.overall);
    if (!this.bar) {
      this.bar = new SingleBar({
        stream: this.o.stream as NodeJS.WriteStream, format: (_o, params, pl) => this.barLine(params.progress, pl as typeof payload),
        hideCursor: true, clearOnComplete: true, gracefulExit: false, linewrap: false, fps: 5, forceRedraw: false,
      });
      this.bar.start(1000, value, payload);
    } else {
      this.bar.update(value, payload);
    }
  }

  /** The bar's line, cut to the terminal's width (columns is 0 or undefined on some terminals: 80 then). */
  private barLine(progress: number, pl: { what: string; elapsedText: string; etaText: string }): string {
    const columns = this.o.stream.columns ?? 0;
    const width = columns > 0 ? columns : 80;
    const size = width >= 70 ? 20 : 10;
    const filled = Math.round(size * Math.min(1, Math.max(0, progress)));
    const line = `${'█'.repeat(filled)}${'░'.repeat(size - filled)} ${Math.floor(100 * progress)}% | ${pl.elapsedText} | ETA ${pl.etaText} | ${pl.what}`;
    return line.length > width - 1 ? `${line.slice(0, Math.max(0, width - 2))}…` : line;
  }
}
