// Route options' hooks: a route may give none, one, or several of a kind.

/** A route option's hooks as an array, to add one of ours to. */
export function hooksOf<H>(hooks: H | H[] | undefined): H[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
