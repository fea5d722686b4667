// Minimal SVG charts for the benchmark's figures, drawn from the measured numbers.
const W = 820;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const COLORS = ['#2b6cb0', '#c05621', '#718096', '#2f855a', '#6b46c1'];

export function barChart(title: string, bars: { label: string; value: number }[]): string {
  const rowH = 34;
  const left = 345;
  const h = 50 + bars.length * rowH + 20;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const rows = bars.map((b, i) => {
    const y = 45 + i * rowH;
    const w = ((W - left - 90) * b.value) / max;
    return `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(b.label)}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="24" fill="${COLORS[i % COLORS.length]}"/><text x="${(left + w + 6).toFixed(1)}" y="${y + 17}">${b.value.toFixed(0)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" font-family="sans-serif" font-size="13"><rect width="100%" height="100%" fill="white"/><text x="10" y="24" font-size="15" font-weight="bold">${esc(title)}</text>${rows.join('')}</svg>\n`;
}

export function lineChart(title: string, xs: number[], series: { label: string; values: number[] }[]): string {
  const h = 380;
  const pad = { l: 70, r: 90, t: 40, b: 90 };
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.log10(Math.min(...all) / 1.5);
  const hi = Math.log10(Math.max(...all) * 1.5);
  const x = (i: number) => pad.l + (i * (W - pad.l - pad.r)) / Math.max(xs.length - 1, 1);
  const y = (v: number) => h - pad.b - ((Math.log10(v) - lo) * (h - pad.t - pad.b)) / (hi - lo);
  const grid: string[] = [];
  for (let p = Math.ceil(lo); p <= Math.floor(hi); p++) {
    grid.push(
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(10 ** p).toFixed(1)}" y2="${y(10 ** p).toFixed(1)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${(y(10 ** p) + 4).toFixed(1)}" text-anchor="end">${10 ** p}</text>`,
    );
  }
  const ticks = xs.map(
    (v, i) => `<text x="${x(i).toFixed(1)}" y="${h - pad.b + 18}" text-anchor="middle">${v} images</text>`,
  );
  const lines = series.map((s, k) => {
    const pts = s.values
      .map((v, i) => (Number.isFinite(v) && v > 0 ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : ''))
      .filter(Boolean);
    const dots = s.values.map((v, i) =>
      Number.isFinite(v) && v > 0
        ? `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${COLORS[k % COLORS.length]}"/><text x="${(x(i) + 6).toFixed(1)}" y="${(y(v) - 6).toFixed(1)}">${v.toFixed(v < 10 ? 1 : 0)}</text>`
        : '',
    );
    const legendY = h - 45 + k * 18;
    return `<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="2" points="${pts.join(' ')}"/>${dots.join('')}<rect x="${pad.l}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[k % COLORS.length]}"/><text x="${pad.l + 18}" y="${legendY}">${esc(s.label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" font-family="sans-serif" font-size="13"><rect width="100%" height="100%" fill="white"/><text x="10" y="24" font-size="15" font-weight="bold">${esc(title)}</text>${grid.join('')}${ticks.join('')}${lines.join('')}</svg>\n`;
}

export interface MeasuredRun {
  results: { name: string; rps: number }[];
  imageLatency: Record<string, Record<number, number>>;
  names: Record<string, string>;
}

/** Both charts of a run, from its measured figures. */
export function charts(run: MeasuredRun): { throughput: string; latency: string } {
  const counts = [60, 1000, 10000];
  return {
    throughput: barChart(
      'Throughput, 60 images, cached token (req/s, higher is better)',
      run.results.map((r) => ({ label: r.name, value: r.rps })),
    ),
    latency: lineChart(
      'Median latency against visible images (ms, log scale)',
      counts,
      Object.entries(run.imageLatency).map(([k, m]) => ({
        label: run.names[k] ?? k,
        values: counts.map((c) => m[c] ?? NaN),
      })),
    ),
  };
}
