import type { z } from 'zod';
import { AscentError } from './errors.js';

/**
 * Parse `input` with a zod schema; failures become one INVALID_ARGUMENT error naming the first
 * offending field, so every edge reports bad input the same way.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
  const message = issue
    ? `Invalid ${what}${field ? ` field '${field}'` : ''}: ${issue.message}`
    : `Invalid ${what}`;
  return raise(message, field);
}

function raise(message: string, field?: string): never {
  throw new AscentError('INVALID_ARGUMENT', message, field === undefined ? {} : { field });
}
