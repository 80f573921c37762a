/**
 * `npm run bench`: every benchmark, each printed as a ratio against a baseline measured in the
 * same run, and the results written into BENCHMARKS.md. BENCH_SECONDS sets each load's length.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { benchHttpRead } from "./http-read.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const read = await benchHttpRead(seconds);
const rows = [
  "| benchmark | OpenCIC | baseline (same run) | ratio | goal |",
  "|---|---|---|---|---|",
  `| signed read: cam GetUser, TC3, SQLite, full stack | ${fmt(read.opencic.requestsPerSecond)} req/s (p50 ${read.opencic.p50Ms} ms, p99 ${read.opencic.p99Ms} ms) | fastify hello-world POST: ${fmt(read.baseline.requestsPerSecond)} req/s | **${fmt(read.ratio, 2)}** | ≥ 0.5 |`,
];
if (read.opencic.errors || read.opencic.non2xx) rows.push(`\nerrors: ${read.opencic.errors}, non-2xx: ${read.opencic.non2xx}`);

const table = rows.join("\n");
console.log(table);

const header = `<!-- bench:results -->\nLatest \`npm run bench\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, ${seconds} s per load, 32 connections, load generator autocannon in the same machine):\n\n`;
const file = "BENCHMARKS.md";
const current = readFileSync(file, "utf8");
const marker = /<!-- bench:results -->[\s\S]*?<!-- \/bench:results -->/;
writeFileSync(file, current.replace(marker, `${header}${table}\n<!-- /bench:results -->`));
console.log(`\nwrote ${file}`);
