/** Number and string formatting shared by the PDF sections (pure). */

/** A fraction as a percentage with one decimal ("83.3%"); '—' for null. */
export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(digits)}%`;
}

/** An integer count with thousands separators ("1,234", "−"-free: a minus sign stays "-"); '—' for null. */
export function int(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v) || !Number.isInteger(v)) return num(v);
  const s = String(Math.abs(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return v < 0 ? `-${s}` : s;
}

/** An interval's bounds in percent, "51.7–60.6" (no % sign: it follows the estimate's). */
export function ciRange(iv: { lower: number; upper: number }, digits = 1): string {
  return `${(100 * iv.lower).toFixed(digits)}–${(100 * iv.upper).toFixed(digits)}`;
}

/** A fraction with its confidence interval, "56.2% (51.7–60.6)"; just the percentage when there is no interval. */
export function pctCI(v: number | null | undefined, iv: { lower: number; upper: number } | null | undefined, digits = 1): string {
  const p = pct(v, digits);
  return iv && p !== '—' ? `${p} (${ciRange(iv, digits)})` : p;
}

/** A number with up to `sig` significant digits, no exponent for ordinary magnitudes, integers with thousands separators; '—' for null. */
export function num(v: number | null | undefined, sig = 4): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return int(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(sig - 1);
  return String(Number(v.toPrecision(sig)));
}

/** Seconds as "4.2 s" / "3 min 5 s". */
export function seconds(v: number): string {
  if (v < 0.1) return `${num(1000 * v, 3)} ms`;
  if (v < 60) return `${num(v, 3)} s`;
  const m = Math.floor(v / 60);
  return `${m} min ${Math.round(v - 60 * m)} s`;
}

/** The threat norm as written in the report ("L∞", "L2"). */
export function normName(norm: 'linf' | 'l2'): string {
  return norm === 'linf' ? 'L∞' : 'L2';
}

/** A value of an evidence record as text. */
export function evidenceValue(v: number | string | boolean | null): string {
  if (v === null) return '—';
  if (typeof v === 'number') return num(v);
  return String(v);
}

/** Shortens text to at most `max` characters, ending in '…'. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Array items kept by `params` (longer arrays end in "… N items"). */
export const PARAM_ARRAY_ITEMS = 6;

/**
 * Compact JSON of attack parameters (keys in their order). Nothing is cut mid-value: arrays longer
 * than PARAM_ARRAY_ITEMS keep their first items and say how many there are; strings longer than
 * `max` characters keep their start and say how long they were.
 */
export function params(p: unknown, max = 160): string {
  if (p === undefined || p === null) return '—';
  let s: string;
  try {
    s = JSON.stringify(p, (_k, v) => {
      if (typeof v === 'number') return Number(v.toPrecision(6));
      if (typeof v === 'string' && v.length > max) return `${v.slice(0, max)}… (${int(v.length)} characters)`;
      if (Array.isArray(v) && v.length > PARAM_ARRAY_ITEMS) return [...v.slice(0, PARAM_ARRAY_ITEMS), `… ${int(v.length)} items`];
      return v;
    }) ?? '—';
  } catch {
    s = String(p);
  }
  return s.replace(/"([A-Za-z_][\w]*)":/g, '$1: ').replace(/,(?=\S)/g, ', ');
}

/** "1 point" / "3 points" / "1,328 points". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${int(n)} ${n === 1 ? word : many}`;
}

/** The ISO date of the report as "2025-01-02 03:04:05 UTC" (the raw string when not a date). */
export function reportDate(createdAt: string): string {
  const d = new Date(createdAt);
  return Number.isNaN(d.getTime()) ? createdAt : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * A shell command broken into lines of at most `width` characters at spaces only (an option
 * stays with its value), each line but
 * the last ending in " \\" (a shell continuation), so it can be copied from the PDF and run.
 */
export function wrapCommand(cmd: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  const words = cmd.split(/\s+/).filter(Boolean);
  const units: string[] = []; // an option and its value stay on one line
  for (let i = 0; i < words.length; i++) {
    if (words[i].startsWith('-') && i + 1 < words.length && !words[i + 1].startsWith('-')) { units.push(`${words[i]} ${words[i + 1]}`); i++; }
    else units.push(words[i]);
  }
  for (const tok of units) {
    if (line && line.length + 1 + tok.length + 2 > width) {
      lines.push(`${line} \\`);
      line = `  ${tok}`;
    } else line = line ? `${line} ${tok}` : tok;
  }
  lines.push(line);
  return lines.join('\n');
}
