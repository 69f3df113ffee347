/** Series colours, distinguishable on white and in the legend; runs keep their colour across charts. */
export const PALETTE = ['#2563eb', '#e8590c', '#2f9e44', '#c2255c', '#7048e8', '#0c8599', '#e67700', '#5c7cfa', '#d6336c', '#37b24d', '#1098ad', '#ae3ec9'];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/** `#2563eb` → `rgba(37,99,235,alpha)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
