import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid, invalidState, notFound } from '../../core/errors.js';
import { MAX_MLMODEL_BYTES, MLMODEL_FILE, parseMlModel, parseSignature, type MlModelManifest, type ModelSignature } from '../../registry/packages/manifest.js';

/** A model package unpacked on local disk: its manifest, signature and root. */
export interface LocalPackage {
  dir: string;
  manifest: MlModelManifest;
  signature: ModelSignature | null;
}

/** Read and validate `<dir>/MLmodel`. */
export async function readLocalPackage(dir: string): Promise<LocalPackage> {
  const root = path.resolve(dir);
  const file = path.join(root, MLMODEL_FILE);
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw notFound(`No ${MLMODEL_FILE} manifest in '${root}': not a model package`);
  }
  if (stat.size > MAX_MLMODEL_BYTES) throw invalidState(`${MLMODEL_FILE} in '${root}' is ${stat.size} bytes; a manifest is at most ${MAX_MLMODEL_BYTES}`);
  const manifest = parseMlModel(await fs.readFile(file, 'utf8'), `${MLMODEL_FILE} in '${root}'`);
  return { dir: root, manifest, signature: parseSignature(manifest) };
}

/** `rel` resolved inside `dir`; a path that leaves it (`..`, absolute, through a symlink) is refused. */
export async function fileInside(dir: string, rel: string, field: string): Promise<string> {
  const root = await fs.realpath(path.resolve(dir));
  const full = path.resolve(root, rel);
  if (path.isAbsolute(rel) || (full !== root && !full.startsWith(root + path.sep))) throw invalid(`${field} '${rel}' leaves the package directory`, field);
  let real: string;
  try {
    real = await fs.realpath(full);
  } catch {
    throw notFound(`${field} '${rel}' is missing from the package in '${root}'`);
  }
  if (!real.startsWith(root + path.sep)) throw invalid(`${field} '${rel}' leaves the package directory`, field);
  return real;
}
