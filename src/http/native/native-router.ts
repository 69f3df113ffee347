import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../../core/validate.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One native API route: its zod schemas are both the validator and the OpenAPI description. */
export interface NativeRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Schema of a successful JSON response, for the OpenAPI document. */
  response?: z.ZodType;
  /** Raw (non-JSON) request or response body, described in OpenAPI as octet-stream. */
  rawBody?: boolean;
  rawResponse?: boolean;
  handler: (ctx: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B>; request: FastifyRequest; reply: FastifyReply }) => Promise<unknown>;
}

const empty = z.object({});

/** Registers routes on a Fastify scope and keeps what it needs to emit the OpenAPI document. */
export class NativeRouter {
  private readonly routes: NativeRoute<z.ZodType, z.ZodType, z.ZodType>[] = [];

  /**
   * @param app scope for JSON routes
   * @param rawScope child scope without body parsers, where `rawBody` routes receive the request
   *   stream whatever its content type (an artifact named `config.json` is still bytes)
   */
  constructor(private readonly app: FastifyInstance, private readonly prefix: string, private readonly rawScope: FastifyInstance = app) {}

  add<P extends z.ZodType = typeof empty, Q extends z.ZodType = typeof empty, B extends z.ZodType = typeof empty>(route: NativeRoute<P, Q, B>): void {
    this.routes.push(route as unknown as NativeRoute<z.ZodType, z.ZodType, z.ZodType>);
    (route.rawBody ? this.rawScope : this.app).route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const params = parseInput(route.params ?? empty, request.params ?? {}, 'path parameter') as z.infer<P>;
        const query = parseInput(route.query ?? empty, request.query ?? {}, 'query parameter') as z.infer<Q>;
        const body = route.rawBody ? (undefined as z.infer<B>) : (parseInput(route.body ?? empty, request.body ?? {}, 'body') as z.infer<B>);
        const result = await route.handler({ params, query, body, request, reply });
        if (reply.sent) return reply;
        return result ?? {};
      },
    });
  }

  /** OpenAPI 3.1 document derived from the registered zod schemas. */
  openApi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
    for (const r of this.routes) {
      const path = (this.prefix + r.url).replace(/:(\w+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, s] of [['path', r.params], ['query', r.query]] as const) {
        if (!s || !(s instanceof z.ZodObject)) continue;
        for (const [name, field] of Object.entries(s.shape as Record<string, z.ZodType>)) {
          parameters.push({ name, in: where, required: where === 'path' || !field.safeParse(undefined).success, schema: schema(field) });
        }
      }
      const op: Record<string, unknown> = {
        summary: r.summary,
        tags: [r.tag],
        parameters,
        responses: {
          '200': r.rawResponse
            ? { description: 'file content', content: { 'application/octet-stream': {} } }
            : { description: 'OK', content: { 'application/json': { schema: r.response ? schema(r.response) : { type: 'object' } } } },
          '4XX': { description: 'coded error', content: { 'application/json': { schema: schema(ErrorBody) } } },
        },
      };
      if (r.rawBody) op.requestBody = { content: { 'application/octet-stream': {} } };
      else if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schema(r.body) } } };
      (paths[path] ??= {})[r.method.toLowerCase()] = op;
    }
    return { openapi: '3.1.0', info, paths };
  }
}

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });
