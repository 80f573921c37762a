/**
 * The schemas generated from the SDK's types (`npm run generate`), per product and action, and
 * what is compiled from them: each action's validator or serializer is compiled on its first use.
 */
export interface SchemaTable<S> {
  products: Record<string, { version: string; actions: Record<string, S> }>;
}

/** `compile(schema, product, action)` for an action the SDK has, kept once made; undefined for one it does not have. */
export function compiledPerAction<S, T>(table: SchemaTable<S>, compile: (schema: S, product: string, action: string) => T): (product: string, action: string) => T | undefined {
  const compiled = new Map<string, Map<string, T>>();
  return (product, action) => {
    let byAction = compiled.get(product);
    let made = byAction?.get(action);
    if (made === undefined) {
      const actions = table.products[product]?.actions;
      if (!actions || !Object.hasOwn(actions, action)) return undefined;
      made = compile(actions[action]!, product, action);
      if (!byAction) compiled.set(product, (byAction = new Map()));
      byAction.set(action, made);
    }
    return made;
  };
}
