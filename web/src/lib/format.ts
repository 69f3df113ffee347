/** Display helpers shared by the pages: times, durations, numbers and sizes. */

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-22 14:05:09` in the browser's time zone. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `2026-11-22 14:05:09.123`: for audit times, where two events can share a second. */
export function formatTimeMs(ms: number | null | undefined): string {
  const base = formatTime(ms);
  return base === '—' ? base : `${base}.${String(Math.floor(ms!) % 1000).padStart(3, '0')}`;
}

/** `3 min ago`, `2 days ago`; falls back to the date after a month. */
export function formatRelative(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '—';
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return formatTime(ms);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  if (s < 30 * 86_400) {
    const days = Math.round(s / 86_400);
    return `${days} day${days === 1 ? '' : 's'} ago`;
  }
  return formatTime(ms).slice(0, 10);
}

/** `1h 02m`, `4m 05s`, `12.3s`, `450ms`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(Math.floor(s % 60))}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Compact numbers for tables: 4 significant digits, exponent for very large or small values. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '∞';
  if (v === Number.NEGATIVE_INFINITY) return '-∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

/** Full precision for tooltips. */
export function formatExact(v: number): string {
  return Number.isFinite(v) ? String(v) : formatNumber(v);
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function shortId(id: string, length = 8): string {
  return id.length > length ? id.slice(0, length) : id;
}
