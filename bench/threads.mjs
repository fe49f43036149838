// Samples per-thread CPU of a set of processes from /proc (used while profiling benchmark runs).
import { readdirSync, readFileSync } from 'node:fs';
export function threadTimes(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[`${name}#${tid}`] = (Number(f[11]) + Number(f[12])) / 100;
    } catch {}
  }
  return out;
}
export function diff(a, b, seconds) {
  const r = {};
  for (const k of Object.keys(b)) {
    const d = (b[k] - (a[k] ?? 0)) / seconds;
    if (d > 0.02) r[k] = Math.round(d * 100) + '%';
  }
  return r;
}
