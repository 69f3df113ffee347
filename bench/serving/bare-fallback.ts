/**
 * The floor Ascent's overhead is measured against when bench/serving/bare-onnx.ts is absent: a bare
 * node:http handler around one onnxruntime-node session, parsing the same MLflow `dataframe_split`
 * body and answering `{"predictions": [...]}` — no routing, validation, logging or metrics.
 *
 *   node --import tsx bench/serving/bare-fallback.ts <model.onnx> <port>
 */
import http from 'node:http';
import ort from 'onnxruntime-node';

const [file, port] = process.argv.slice(2);
const session = await ort.InferenceSession.create(file!, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
const input = session.inputNames[0]!;

http.createServer((req, res) => {
  if (req.method === 'GET') return void res.end('OK');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const rows = (JSON.parse(Buffer.concat(chunks).toString()) as { dataframe_split: { data: number[][] } }).dataframe_split.data;
      const out = await session.run({ [input]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]) });
      const labels = Array.from(out[session.outputNames[0]!]!.data as BigInt64Array, Number);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ predictions: labels }));
    } catch (err) {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: String(err) }));
    }
  });
}).listen(Number(port), '127.0.0.1');
