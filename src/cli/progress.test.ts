import type { AuditProgress } from '../audit/audit';
import { overallFraction } from '../audit/progress';
import { formatDuration, PROGRESS_PREFIX, ProgressDisplay } from './progress';

/** A display on a fake clock: `advance(ms)` moves time and runs the timer once per second. */
function fake(tty: boolean, columns?: number) {
  let t = 1_000_000;
  let tick: (() => void) | null = null;
  const written: { at: number; text: string }[] = [];
  const stream = { isTTY: tty, columns, write: (s: string) => { written.push({ at: t, text: s }); return true; }, on: () => stream, removeListener: () => stream };
  const d = new ProgressDisplay({
    stream: stream as never, now: () => t, setInterval: (f) => { tick = f; return 1; }, clearInterval: () => { tick = null; },
  });
  const advance = (ms: number) => { for (let k = 0; k < ms / 1000; k++) { t += 1000; tick?.(); } };
  return { d, written, advance };
}

const battery = (fraction: number): AuditProgress => ({ phase: 'battery', fraction, message: `stage 2/6 apgd-t, chunk 1/5, robust so far 50.0%` });

describe('ProgressDisplay on a pipe (plain lines)', () => {
  it('when the audit starts then one line shows at once, in the documented format', () => {
    const { d, written } = fake(false);
    d.update({ phase: 'clean', message: 'clean predictions on 500 points' });
    expect(written.map((w) => w.text)).toEqual([`${PROGRESS_PREFIX}clean 0% overall, elapsed 0s, ETA unknown — clean predictions on 500 points\n`]);
    d.stop();
  });

  it('when events arrive continuously then lines are at least 10 s apart', () => {
    const { d, written, advance } = fake(false);
    for (let s = 0; s < 120; s++) { d.update(battery(s / 120)); advance(1000); }
    const gaps = written.slice(1).map((w, i) => w.at - written[i].at);
    expect(gaps.length).toBeGreaterThanOrEqual(10);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(10_000);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(30_000);
    d.stop();
  });

  it('when no event arrives for minutes (one long unit) then a line still shows every 30 s', () => {
    const { d, written, advance } = fake(false);
    d.update(battery(0.5));
    advance(125_000);
    expect(written.map((w) => w.at - written[0].at)).toEqual([0, 30_000, 60_000, 90_000, 120_000]);
    d.stop();
  });

  it('when some work is done then the line shows the overall %, the elapsed time and the ETA', () => {
    const { d, written, advance } = fake(false);
    d.update({ phase: 'clean', message: 'clean' });
    advance(60_000);
    d.update(battery(0.5));
    advance(10_000);
    const overall = overallFraction(battery(0.5));
    const eta = Math.round(70 * (1 - overall) / overall);
    expect(written.at(-1)!.text).toBe(`${PROGRESS_PREFIX}battery ${Math.floor(100 * overall)}% overall, elapsed 1m10s, ETA ${formatDuration(eta)} — stage 2/6 apgd-t, chunk 1/5, robust so far 50.0%\n`);
    d.stop();
  });

  it('when stopped then nothing more is written', () => {
    const { d, written, advance } = fake(false);
    d.update(battery(0.1));
    d.stop();
    advance(60_000);
    d.update(battery(0.2));
    expect(written).toHaveLength(1);
  });
});

describe('ProgressDisplay on a terminal (one bar)', () => {
  it.each([[0], [undefined], [40], [200]])('when the terminal width is %j then the bar draws without throwing and no line is longer than the width (80 when unknown)', (columns) => {
    const { d, written, advance } = fake(true, columns);
    d.update({ phase: 'clean', message: 'clean predictions on 500 points' });
    d.update({ ...battery(0.3), message: 'x'.repeat(500) });
    advance(3000);
    d.stop();
    const width = columns || 80;
    const drawn = written.map((w) => w.text).join('').split(/\r|\n|\x1b\[[0-9;?]*[A-Za-z]/).filter((s) => s.length > 0);
    expect(drawn.some((s) => s.includes('%'))).toBe(true);
    for (const s of drawn) expect(s.length).toBeLessThanOrEqual(width);
  });
});

describe('formatDuration', () => {
  it.each([[0, '0s'], [42.4, '42s'], [65, '1m05s'], [3725, '1h02m']])('when %j s then %s', (s, want) => {
    expect(formatDuration(s)).toBe(want);
  });
});
