// What of a request's URL may be echoed: its path, never its query string (a token sent by mistake as
// `?access_token=...` must not come back in an answer or be written to a log).
import type { FastifyError, FastifyServerOptions } from 'fastify';
import { badInput, type GatewayError } from '../errors.ts';

/** The URL without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** What fastify's request serializer reads from a request. */
interface LoggedRequest {
  method: string;
  url: string;
  headers?: Record<string, string | string[] | undefined>;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number | undefined } | null;
}

/** fastify's own request serializer ("incoming request" lines), with the URL's query string left out. */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: pathOf(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

type LoggerOption = FastifyServerOptions['logger'];

/** Logger options with the request serializer above (a serializer the options name themselves wins). */
export function withPathOnlyRequests(logger: LoggerOption): LoggerOption {
  if (logger === true) return { serializers: { req: serializeRequest } };
  if (typeof logger !== 'object' || logger === null) return logger;
  return { ...logger, serializers: { req: serializeRequest, ...logger.serializers } };
}

/**
 * fastify's router errors (a URL whose percent-escapes do not decode, a too long path parameter) as BAD_INPUT naming
 * the path alone: fastify's own messages quote the URL with its query string.
 */
export function routerErrorOf(error: FastifyError, url: string): GatewayError | FastifyError {
  const path = pathOf(url);
  if (error.code === 'FST_ERR_BAD_URL')
    return badInput(`the path ${path} does not decode: a percent-escape in it is not UTF-8`);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return badInput(
      `a parameter of the path ${path.length > 200 ? `${path.slice(0, 200)}...` : path} is longer than any name or id can be`,
    );
  return error;
}
