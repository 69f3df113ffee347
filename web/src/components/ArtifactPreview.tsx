import { useEffect, useState, type ReactNode } from 'react';
import { api, errorFromResponse, type ArtifactFile } from '../api';
import { formatBytes } from '../lib/format';
import { ErrorBox } from './ErrorBox';
import { Loading } from './Loading';

const PREVIEW_BYTES = 1024 * 1024;
const IMAGE = /\.(png|jpe?g|gif|webp|svg|bmp|ico|avif)$/i;
const JSON_FILE = /\.(json|ipynb)$/i;

export function baseName(path: string): string {
  return path.split('/').pop() ?? path;
}

interface TextPreview {
  text: string;
  truncated: boolean;
  binary: boolean;
}

/** Read at most PREVIEW_BYTES of a file, cancelling the rest of the download. */
async function readHead(url: string, signal: AbortSignal): Promise<TextPreview> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw await errorFromResponse(res);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
      if (total >= PREVIEW_BYTES) {
        truncated = total > PREVIEW_BYTES;
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
  } else {
    const buf = new Uint8Array(await res.arrayBuffer());
    chunks.push(buf);
    total = buf.byteLength;
  }
  const bytes = new Uint8Array(Math.min(total, PREVIEW_BYTES));
  let offset = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, bytes.byteLength - offset);
    bytes.set(c.subarray(0, take), offset);
    offset += take;
    if (offset >= bytes.byteLength) break;
  }
  // A NUL byte in the first 8 KB is the usual sign of a binary file (pickles, ONNX, parquet).
  const binary = bytes.subarray(0, 8192).includes(0);
  return { text: binary ? '' : new TextDecoder('utf-8').decode(bytes), truncated: truncated || total > PREVIEW_BYTES, binary };
}

/** Preview of one artifact: images inline, anything textual (JSON, YAML, MLmodel, CSV, logs) as text. */
export function ArtifactPreview({ runId, file }: { runId: string; file: ArtifactFile }) {
  const url = api.artifactContentUrl(runId, file.path);
  const isImage = IMAGE.test(file.path);
  const [preview, setPreview] = useState<TextPreview | null>(null);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (isImage) return;
    const controller = new AbortController();
    setPreview(null);
    setError(undefined);
    readHead(url, controller.signal).then(
      (p) => !controller.signal.aborted && setPreview(p),
      (err: unknown) => !controller.signal.aborted && setError(err),
    );
    return () => controller.abort();
  }, [url, isImage]);

  let body: ReactNode;
  if (isImage) {
    body = (
      <div className="image-preview">
        <img src={url} alt={file.path} />
      </div>
    );
  } else if (error) {
    body = <ErrorBox error={error} />;
  } else if (!preview) {
    body = <Loading />;
  } else if (preview.binary) {
    body = <div className="empty-inline muted">Binary file: no preview. Use Download.</div>;
  } else {
    let text = preview.text;
    if (JSON_FILE.test(file.path) && !preview.truncated) {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // shown as stored
      }
    }
    body = (
      <>
        {preview.truncated ? <div className="notice">Showing the first 1 MB of {formatBytes(file.fileSize) || 'a larger file'}.</div> : null}
        <pre className="code artifact-text" data-testid="artifact-text">
          {text || <span className="muted">(empty file)</span>}
        </pre>
      </>
    );
  }

  return (
    <div className="artifact-preview" data-testid="artifact-preview">
      <div className="preview-head">
        <span className="mono preview-path" title={file.path}>
          {file.path}
        </span>
        {file.fileSize !== undefined ? <span className="muted">{formatBytes(file.fileSize)}</span> : null}
        <span className="spacer" />
        <a className="btn btn-small" href={url} download={baseName(file.path)}>
          Download
        </a>
      </div>
      {body}
    </div>
  );
}
