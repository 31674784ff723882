// Route options' hooks: a route may give none, one, or several of a kind, and plugins add theirs from onRoute hooks.

/** Hooks plugins added to routes (withHook), as opposed to those a route was declared with. */
const added = new WeakSet<object>();

/** A route option's hooks as an array. */
export function hooksOf<H>(hooks: H | H[] | undefined): H[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/** The route option's hooks with `hook` added after them: how a plugin's onRoute hook adds one of its own. */
export function withHook<T extends object>(hooks: T | T[] | undefined, hook: NoInfer<T>): T[] {
  added.add(hook);
  return [...hooksOf(hooks), hook];
}

/** The hooks the route was declared with: those no plugin added with withHook. */
export function declaredHooks<H extends object>(hooks: H | H[] | undefined): H[] {
  return hooksOf(hooks).filter((hook) => !added.has(hook));
}
