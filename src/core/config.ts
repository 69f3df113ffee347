import path from 'node:path';
import { z } from 'zod';
import { parseInput } from './validate.js';

/** Server configuration, assembled from defaults, then environment, then command-line flags. */
export interface AscentConfig {
  /** `sqlite:<file>` (or a bare path) for the embedded default, `postgres://…` for scale-out. */
  databaseUrl: string;
  /** A local folder (or `file://` URI) by default, `s3://bucket/prefix` for object storage. */
  artifactsUri: string;
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body, in bytes (artifact uploads stream and are not bound by it). */
  bodyLimitBytes: number;
  /** Largest single artifact upload (a PUT or one multipart part), in bytes. */
  maxArtifactBytes: number;
  /** Where the server's own state lives in the embedded default. */
  dataDir: string;
  /** Where pipeline steps run: in the server (`local`) or on `ascent worker` processes (`queue`, PostgreSQL only). */
  pipelineExecutor: 'local' | 'queue';
  /** Interpreter the python serving runtime starts for MLflow pyfunc models (needs mlflow and the models' dependencies). */
  pythonExecutable: string;
  /** Where onnx models' predictions run: `auto` (on the event loop until calls average over 1 ms, then worker threads), `inline` or `workers`. */
  onnxThreads: 'auto' | 'inline' | 'workers';
}

const ConfigSchema = z.object({
  databaseUrl: z.string().min(1),
  artifactsUri: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  bodyLimitBytes: z.coerce.number().int().positive(),
  maxArtifactBytes: z.coerce.number().int().positive(),
  dataDir: z.string().min(1),
  pipelineExecutor: z.enum(['local', 'queue']),
  pythonExecutable: z.string().min(1),
  onnxThreads: z.enum(['auto', 'inline', 'workers']),
}).refine((c) => c.pipelineExecutor !== 'queue' || /^postgres(ql)?:\/\//.test(c.databaseUrl), {
  message: 'the queue executor needs a PostgreSQL database (ASCENT_DATABASE_URL=postgres://…)',
  path: ['pipelineExecutor'],
});

export type ConfigOverrides = Partial<Record<keyof AscentConfig, string | number | undefined>>;

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): AscentConfig {
  const dataDir = path.resolve(String(overrides.dataDir ?? env.ASCENT_DATA_DIR ?? '.ascent'));
  const pick = (key: keyof AscentConfig, envName: string, fallback: string | number): string | number => {
    const fromFlag = overrides[key];
    if (fromFlag !== undefined && fromFlag !== '') return fromFlag;
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return fallback;
  };
  return parseInput(
    ConfigSchema,
    {
      databaseUrl: pick('databaseUrl', 'ASCENT_DATABASE_URL', `sqlite:${path.join(dataDir, 'ascent.db')}`),
      artifactsUri: pick('artifactsUri', 'ASCENT_ARTIFACTS_URI', path.join(dataDir, 'artifacts')),
      host: pick('host', 'ASCENT_HOST', '127.0.0.1'),
      port: pick('port', 'ASCENT_PORT', 5000),
      logLevel: pick('logLevel', 'ASCENT_LOG_LEVEL', 'info'),
      bodyLimitBytes: pick('bodyLimitBytes', 'ASCENT_BODY_LIMIT_BYTES', 16 * 1024 * 1024),
      maxArtifactBytes: pick('maxArtifactBytes', 'ASCENT_MAX_ARTIFACT_BYTES', 5 * 1024 ** 3),
      dataDir,
      pipelineExecutor: pick('pipelineExecutor', 'ASCENT_PIPELINE_EXECUTOR', 'local'),
      pythonExecutable: pick('pythonExecutable', 'ASCENT_PYTHON', 'python3'),
      onnxThreads: pick('onnxThreads', 'ASCENT_ONNX_THREADS', 'auto'),
    },
    'configuration',
  );
}
