// npm run bench:charts: redraw docs/*.svg from the last measured run (bench/results/latest.json).
import fs from 'node:fs';
import path from 'node:path';
import { charts, type MeasuredRun } from './svg.js';

const root = path.resolve(import.meta.dirname, '..');
const run = JSON.parse(fs.readFileSync(path.join(root, 'bench/results/latest.json'), 'utf8')) as MeasuredRun;
run.names ??= { ours: 'this service (Node, 1 process)', gunicorn: 'Python original, gunicorn (2 workers x 4 threads)' };
const drawn = charts(run);
fs.writeFileSync(path.join(root, 'docs/bench-throughput.svg'), drawn.throughput);
fs.writeFileSync(path.join(root, 'docs/bench-latency.svg'), drawn.latency);
