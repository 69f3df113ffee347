/**
 * The code each onnx runtime worker thread runs (worker-pool.ts's protocol), kept as a string and
 * started with `eval: true` like the js runtime's. It loads onnxruntime-node from the path the
 * server resolved, opens its own session on the model file with the server's session options and
 * answers one `run` at a time: feeds and outputs travel as `{name, type, data, dims}`.
 */
export const ONNX_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
function errorOf(err) {
  return { message: err && err.message ? String(err.message) : String(err) };
}
(async () => {
  let session;
  try {
    session = await ort.InferenceSession.create(workerData.file, workerData.sessionOptions);
  } catch (err) {
    parentPort.postMessage({ type: 'failed', error: errorOf(err) });
    return;
  }
  parentPort.postMessage({ type: 'ready' });
  parentPort.on('message', async (msg) => {
    try {
      const feeds = {};
      for (const f of msg.feeds) feeds[f.name] = new ort.Tensor(f.type, f.data, f.dims);
      const result = msg.fetches ? await session.run(feeds, msg.fetches) : await session.run(feeds);
      const outputs = [];
      for (const name in result) {
        const t = result[name];
        outputs.push({ name, type: t.type, data: t.data, dims: t.dims });
      }
      parentPort.postMessage({ type: 'result', id: msg.id, outputs });
    } catch (err) {
      parentPort.postMessage({ type: 'error', id: msg.id, error: errorOf(err) });
    }
  });
})();
`;
