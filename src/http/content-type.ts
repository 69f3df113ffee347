import path from 'node:path';

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
  '.py': 'text/x-python; charset=utf-8',
  '.html': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'text/plain; charset=utf-8',
  '.pdf': 'application/pdf',
};

/**
 * Content type for serving an artifact. HTML and SVG are served as text so an uploaded file can
 * never run script in the UI's origin.
 */
export function contentTypeFor(file: string): string {
  const base = path.posix.basename(file);
  if (base === 'MLmodel' || base === 'requirements.txt' || base === 'conda.yaml') return 'text/plain; charset=utf-8';
  return TYPES[path.posix.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
