/**
 * The one catalogue of coded errors. Services throw `AscentError`; `http/` maps the code to a status
 * in one place, and the MLflow layer maps it to MLflow's `error_code` names.
 */
export const ERROR_CATALOGUE = {
  INVALID_ARGUMENT: { status: 400, mlflowCode: 'INVALID_PARAMETER_VALUE', mlflowStatus: 400 },
  MALFORMED_REQUEST: { status: 400, mlflowCode: 'MALFORMED_REQUEST', mlflowStatus: 400 },
  NOT_FOUND: { status: 404, mlflowCode: 'RESOURCE_DOES_NOT_EXIST', mlflowStatus: 404 },
  ENDPOINT_NOT_FOUND: { status: 404, mlflowCode: 'ENDPOINT_NOT_FOUND', mlflowStatus: 404 },
  ALREADY_EXISTS: { status: 409, mlflowCode: 'RESOURCE_ALREADY_EXISTS', mlflowStatus: 400 },
  // MLflow's tracking server answers INVALID_PARAMETER_VALUE for operations on deleted entities.
  INVALID_STATE: { status: 409, mlflowCode: 'INVALID_PARAMETER_VALUE', mlflowStatus: 400 },
  PAYLOAD_TOO_LARGE: { status: 413, mlflowCode: 'INVALID_PARAMETER_VALUE', mlflowStatus: 400 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, mlflowCode: 'BAD_REQUEST', mlflowStatus: 415 },
  UNAUTHENTICATED: { status: 401, mlflowCode: 'UNAUTHENTICATED', mlflowStatus: 401 },
  PERMISSION_DENIED: { status: 403, mlflowCode: 'PERMISSION_DENIED', mlflowStatus: 403 },
  RATE_LIMITED: { status: 429, mlflowCode: 'REQUEST_LIMIT_EXCEEDED', mlflowStatus: 429 },
  UNAVAILABLE: { status: 503, mlflowCode: 'TEMPORARILY_UNAVAILABLE', mlflowStatus: 503 },
  INTERNAL: { status: 500, mlflowCode: 'INTERNAL_ERROR', mlflowStatus: 500 },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** A domain error with a stable code; `field` names the offending input when there is one. */
export class AscentError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AscentError';
    this.code = code;
    this.field = options.field;
  }
  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }
}

export const invalid = (message: string, field?: string): AscentError =>
  new AscentError('INVALID_ARGUMENT', message, field === undefined ? {} : { field });
export const notFound = (message: string): AscentError => new AscentError('NOT_FOUND', message);
export const alreadyExists = (message: string): AscentError => new AscentError('ALREADY_EXISTS', message);
export const invalidState = (message: string): AscentError => new AscentError('INVALID_STATE', message);

export function isAscentError(err: unknown): err is AscentError {
  return err instanceof AscentError;
}
