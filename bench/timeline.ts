/**
 * What the provisioning timeline costs the fan-out: the same fan-out as bench/fanout.ts (a group of N
 * users into 10 member accounts, in process on SQLite, until every task is Success), with the timeline
 * recording every decision and with recording off, in the same run. The two alternate, `rounds` times
 * each, in the order off-on, on-off, off-on…, so drift over the run and whatever a run leaves to the
 * next in the process fall on both; each side's median is compared.
 */
import { benchFanout, type FanoutResult } from "./fanout.js";

export interface TimelineCost {
  users: number;
  subUsers: number;
  /** Median seconds with the timeline on and off, and every round's figure. */
  onSeconds: number;
  offSeconds: number;
  on: number[];
  off: number[];
  /** on / off: the fan-out's time with the timeline over its time without it. */
  ratio: number;
  /** The same for the process's CPU time over the fan-out (less moved by other load on the machine). */
  cpuRatio: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function benchTimeline(users: number, rounds = 3): Promise<TimelineCost> {
  const on: number[] = [];
  const off: number[] = [];
  const onCpu: number[] = [];
  const offCpu: number[] = [];
  let last: FanoutResult | undefined;
  for (let i = 0; i < rounds; i++) {
    for (const recording of i % 2 === 0 ? [false, true] : [true, false]) {
      const r = await benchFanout(users, 0, false, { timeline: recording });
      (recording ? on : off).push(r.seconds);
      (recording ? onCpu : offCpu).push(r.cpuSeconds);
      if (recording) last = r;
    }
  }
  const onSeconds = median(on);
  const offSeconds = median(off);
  return { users, subUsers: last!.subUsers, onSeconds, offSeconds, on, off, ratio: onSeconds / offSeconds, cpuRatio: median(onCpu) / median(offCpu) };
}
