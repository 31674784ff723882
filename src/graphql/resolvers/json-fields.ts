// The JSON values of a view (a job's or an audit event's parameters and result) as GraphQL's String: JSON text.

/** `parameters` and `result` as JSON text; a result of null (none) stays null. */
export const jsonFields = {
  parameters: (view: { parameters: Record<string, unknown> }) => JSON.stringify(view.parameters),
  result: (view: { result: unknown }) => (view.result === null ? null : JSON.stringify(view.result)),
};
