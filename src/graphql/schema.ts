// Loads the GraphQL SDL from schema/*.graphql, the source of truth for the API's types.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SCHEMA_DIR = fileURLToPath(new URL('../../schema', import.meta.url));

export function loadSchemaSource(): string {
  return readdirSync(SCHEMA_DIR)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(`${SCHEMA_DIR}/${file}`, 'utf8'))
    .join('\n');
}
