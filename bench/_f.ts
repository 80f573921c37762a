import { benchFanout } from "./fanout.js";
console.log(await benchFanout(Number(process.argv[2]), Number(process.argv[3] ?? 0)));
