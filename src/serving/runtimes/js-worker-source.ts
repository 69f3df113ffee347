/**
 * The code each JS runtime worker thread runs, kept as a string and started with `eval: true` so the
 * same file works from TypeScript sources (tests) and from dist/ without a separate build step. It
 * imports the model module, calls `load(context)` once and then answers one `predict` at a time.
 */
export const JS_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
let mod, state;
function errorOf(err) {
  return { message: err && err.message ? String(err.message) : String(err), code: err && typeof err.code === 'string' ? err.code : undefined, field: err && typeof err.field === 'string' ? err.field : undefined };
}
(async () => {
  try {
    mod = await import(workerData.url);
    if (typeof mod.predict !== 'function') throw new Error('the module exports no predict(inputs, state) function');
    state = typeof mod.load === 'function' ? await mod.load(workerData.context) : undefined;
    const metadata = mod.metadata && typeof mod.metadata === 'object' ? JSON.parse(JSON.stringify(mod.metadata)) : null;
    parentPort.postMessage({ type: 'ready', metadata });
  } catch (err) {
    parentPort.postMessage({ type: 'failed', error: errorOf(err) });
    return;
  }
  parentPort.on('message', async (msg) => {
    try {
      const outputs = await mod.predict(msg.inputs, state, msg.parameters);
      if (!Array.isArray(outputs)) throw new Error('predict must return an array of tensors');
      parentPort.postMessage({ type: 'result', id: msg.id, outputs });
    } catch (err) {
      parentPort.postMessage({ type: 'error', id: msg.id, error: errorOf(err) });
    }
  });
})();
`;
