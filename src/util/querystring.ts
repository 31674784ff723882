// Fastify's query string parser (fast-querystring), remembering the last long query strings it parsed: clients that
// poll send the same URL again and again, and a GraphQL GET carries its whole document there (decoding 1-2 kB of
// percent-escapes is most of what such a request costs once its answer is kept).
import { parse } from 'fast-querystring';

/** Shorter query strings are parsed every time: that is as fast as a lookup. */
const REMEMBER_FROM = 256;
const REMEMBERED = 512;

type Parsed = ReturnType<typeof parse>;

export function createQuerystringParser(): (raw: string) => Parsed {
  const recent = new Map<string, Parsed>();
  return (raw) => {
    if (raw.length < REMEMBER_FROM) return parse(raw);
    let parsed = recent.get(raw);
    if (!parsed) {
      parsed = parse(raw);
      if (recent.size >= REMEMBERED) recent.delete(recent.keys().next().value!);
      recent.set(raw, parsed);
    }
    // A copy: validation may set defaults or coerce values in the request's own object.
    return Object.assign(Object.create(null) as Parsed, parsed);
  };
}
