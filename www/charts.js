// Line charts on a canvas, drawn by the page itself (no chart library): the faithfulness curves
// and the randomisation curves share this one plotter.

/** Distinct colours for up to 14 series (Tableau 10 and four more). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#79706e', '#1b9e77', '#d95f02', '#7570b3', '#e7298a'];

/**
 * Draws `series` ({values, color, dashed, width}) over x = 0..n-1 spread across the plot,
 * y from `yMin` to `yMax`, with tick labels `xLabels` and axis titles.
 */
export function lineChart(canvas, chart) {
  const seen = sizes.get(canvas);
  sizes.set(canvas, { ...seen, chart });
  draw(canvas, chart, seen?.w ? seen : { w: canvas.clientWidth, h: canvas.clientHeight });
}

// Each chart's size as the last frame laid it out: reading clientWidth when the data arrives
// would force a style and layout in the middle of that task (25–45 ms on a phone), after the
// DOM updates that came with the data. A resized chart is drawn again at its new size.
const sizes = new WeakMap(); // canvas -> { w, h, chart }
const observer = new ResizeObserver((entries) => {
  for (const { target, contentRect } of entries) {
    const { chart } = sizes.get(target) ?? {};
    const size = { w: contentRect.width, h: contentRect.height };
    sizes.set(target, { ...size, chart });
    if (chart && size.w) draw(target, chart, size);
  }
});
for (const canvas of document.querySelectorAll('canvas.chart')) observer.observe(canvas);

function draw(canvas, { series, xLabels, yMin = 0, yMax = 1, yTitle = '', xTitle = '' }, size) {
  const dpr = window.devicePixelRatio || 1;
  const w = size.w || canvas.width;
  const h = size.h || canvas.height;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const pad = { l: 46, r: 10, t: 8, b: 30 };
  const pw = w - pad.l - pad.r;
  const ph = h - pad.t - pad.b;
  const n = Math.max(2, xLabels.length);
  const X = (i, len = n) => pad.l + (pw * i) / (len - 1);
  const Y = (v) => pad.t + ph * (1 - (Math.min(yMax, Math.max(yMin, v)) - yMin) / (yMax - yMin));
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#555a64';
  ctx.strokeStyle = '#d6d8dd';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const ticks = 4;
  for (let t = 0; t <= ticks; t++) {
    const v = yMin + ((yMax - yMin) * t) / ticks;
    ctx.beginPath();
    ctx.moveTo(pad.l, Y(v));
    ctx.lineTo(w - pad.r, Y(v));
    ctx.stroke();
    ctx.fillText(v.toFixed(2), pad.l - 4, Y(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const every = Math.ceil(xLabels.length / 8);
  xLabels.forEach((lab, i) => {
    const last = i === xLabels.length - 1;
    // A regular label just before the last one would run into it.
    if (!last && (i % every !== 0 || xLabels.length - 1 - i < every / 2)) return;
    // The last label ends at the plot's edge instead of running past the canvas.
    ctx.textAlign = last && i > 0 ? 'right' : 'center';
    ctx.fillText(lab, Math.min(X(i, xLabels.length), w - 2), h - pad.b + 4);
  });
  ctx.textAlign = 'center';
  // The axis title goes on the line under the tick labels.
  if (xTitle) ctx.fillText(xTitle, pad.l + pw / 2, h - pad.b + 16);
  if (yTitle) {
    ctx.save();
    ctx.translate(10, pad.t + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(yTitle, 0, -6);
    ctx.restore();
  }
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.width ?? 2;
    ctx.setLineDash(s.dashed ? [5, 4] : []);
    ctx.beginPath();
    s.values.forEach((v, i) => (i ? ctx.lineTo(X(i, s.values.length), Y(v)) : ctx.moveTo(X(i, s.values.length), Y(v))));
    ctx.stroke();
  }
  ctx.setLineDash([]);
}
