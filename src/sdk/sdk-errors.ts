import { AscentError, ERROR_CATALOGUE, type ErrorCode } from '../core/errors.js';

/** An AscentError raised from a server response; it also carries the HTTP status and the request id. */
export class AscentApiError extends AscentError {
  /** The status the server answered with (the code's catalogue status says what it should be). */
  readonly httpStatus: number;
  /** The server's `x-request-id`, to find the request in its logs. */
  readonly requestId: string | undefined;
  constructor(code: ErrorCode, message: string, options: { field?: string; httpStatus: number; requestId?: string }) {
    super(code, message, options.field === undefined ? {} : { field: options.field });
    this.name = 'AscentApiError';
    this.httpStatus = options.httpStatus;
    this.requestId = options.requestId;
  }
}

/**
 * The server could not be reached (refused, reset, DNS, timeout) even after retries. It is not an
 * AscentError because no server ever answered with a code.
 */
export class AscentConnectionError extends Error {
  readonly url: string;
  constructor(message: string, options: { url: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'AscentConnectionError';
    this.url = options.url;
  }
}

/** Map a non-2xx response to an AscentApiError, trusting the server's code when it sent one we know. */
export function errorFromResponse(status: number, bodyText: string, requestId: string | undefined): AscentApiError {
  const body = parseErrorBody(bodyText);
  const code = body?.code !== undefined && isErrorCode(body.code) ? body.code : codeForStatus(status);
  const message = body?.message ?? (bodyText.trim().slice(0, 500) || `HTTP ${status}`);
  return new AscentApiError(code, message, {
    httpStatus: status,
    ...(body?.field !== undefined ? { field: body.field } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  });
}

function parseErrorBody(text: string): { code?: string; message?: string; field?: string } | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    const e = parsed?.error;
    if (!e || typeof e !== 'object') return undefined;
    return {
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(typeof e.message === 'string' ? { message: e.message } : {}),
      ...(typeof e.field === 'string' ? { field: e.field } : {}),
    };
  } catch {
    return undefined;
  }
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/** For bodies without a code we recognise (a proxy's HTML page, a newer server's new code). */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'INVALID_STATE';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return status >= 400 && status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL';
  }
}
