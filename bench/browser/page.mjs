// Browser benchmark entry, bundled by esbuild (bench/browser/run.mjs) with
// libsignal-protocol-typescript inside; cipherflow's web build is loaded
// beside it as the npm package ships it.
import init, * as cf from "./cipherflow/cipherflow_web.js";
import { runRows } from "../lib/harness.mjs";
import { cipherflowContender } from "../lib/cipherflow.mjs";
import { lsptContender } from "../lib/lspt.mjs";

window.runBench = async (options) => {
  await init();
  const contenders = [cipherflowContender(cf), await lsptContender()];
  const started = performance.now();
  const result = await runRows(contenders, options, (line) => console.log(`browser: ${line}`));
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    seconds: (performance.now() - started) / 1000,
    cipherflowVersion: cf.version(),
    ...result,
  };
};
window.benchReady = true;
