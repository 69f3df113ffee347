import type { Readable } from 'node:stream';
import { notFound } from '../../core/errors.js';
import type { ArtifactStore } from '../../storage/artifacts/artifact-store.js';
import { joinArtifactPath, normalizeArtifactPath } from '../../storage/artifacts/artifact-path.js';
import type { ModelVersion } from '../model.js';
import type { PackageInspector } from '../service.js';
import { readManifest, readModelPackage, type ModelPackage } from './model-package.js';
import { parseSignature } from './manifest.js';
import { packageArchive } from './package-archive.js';
import { resolvePackageRoot, type PackageLocation, type PackageSourceDeps } from './package-source.js';

/** The artifact store packages live in, and the services that locate them. */
export interface PackageServiceOptions extends PackageSourceDeps {
  artifacts: ArtifactStore;
}

/** A version's package with where it was found. */
export interface VersionPackage extends ModelPackage {
  name: string;
  version: string;
  source: string;
  /** Artifact-store path of the package root. */
  root: string;
}

/** Model packages behind registry versions: read, download one file, download all as tar.gz. */
export class PackageService {
  private readonly artifacts: ArtifactStore;
  private readonly deps: PackageSourceDeps;

  constructor(options: PackageServiceOptions) {
    this.artifacts = options.artifacts;
    this.deps = { tracking: options.tracking, loggedModels: options.loggedModels };
  }

  /** The artifact-store root of a version's package; NOT_FOUND when this server does not hold it. */
  async rootOf(v: PackageLocation & { name?: string; version?: string }): Promise<string> {
    const root = await resolvePackageRoot(v, this.deps);
    if (root === null) throw notFound(`The package of ${v.name ? `model '${v.name}' version ${v.version}` : 'this version'} is at '${v.source}', which this server does not store`);
    return root;
  }

  async read(v: ModelVersion): Promise<VersionPackage> {
    const root = await this.rootOf(v);
    return { name: v.name, version: v.version, source: v.source, root, ...(await readModelPackage(this.artifacts, root)) };
  }

  /** Stream one file of the package; `path` is relative to the package root and may not leave it. */
  async openFile(v: ModelVersion, path: string): Promise<{ stream: NodeJS.ReadableStream; size: number; path: string }> {
    const rel = normalizeArtifactPath(path);
    const full = joinArtifactPath(await this.rootOf(v), rel);
    const stat = rel === '' ? null : await this.artifacts.stat(full);
    if (!stat || stat.isDir) throw notFound(`No file '${path}' in the package of model '${v.name}' version ${v.version}`);
    return { stream: await this.artifacts.get(full), size: stat.size, path: rel };
  }

  /** The whole package as a reproducible tar.gz whose entries sit in `<name>-v<version>/`. */
  async archive(v: ModelVersion): Promise<{ stream: Readable; fileName: string }> {
    const pkg = await this.read(v);
    const folder = `${v.name.replace(/[^\w.-]+/g, '_')}-v${v.version}`;
    return { stream: packageArchive(this.artifacts, pkg.root, pkg.files, { prefix: folder, mtime: new Date(v.creationTime) }), fileName: `${folder}.tar.gz` };
  }

  /** The signature as JSON of the package at a location, or null when there is none to read. */
  async signatureJson(location: PackageLocation): Promise<string | null> {
    const root = await resolvePackageRoot(location, this.deps);
    if (root === null) return null;
    const signature = parseSignature(await readManifest(this.artifacts, root));
    return signature ? JSON.stringify(signature) : null;
  }

  /**
   * For `RegistryServiceOptions.packageInspector`: records a new version's signature. A version
   * registers even when its package is missing or unreadable (MLflow does not check either).
   */
  readonly inspector: PackageInspector = (location) => this.signatureJson(location).catch(() => null);
}
