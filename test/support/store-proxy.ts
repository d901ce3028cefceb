import type { Store } from '../../bot/store/store.port.ts';

/**
 * A store whose collections' method calls pass through `around` first: tests count them, the soak
 * fails some. `call` runs the real method.
 */
export function interceptStore(
  store: Store,
  around: (container: string, method: string, call: () => unknown) => unknown,
): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver);
      return (definition: Parameters<Store['collection']>[0]) => {
        const collection = target.collection(definition);
        return new Proxy(collection, {
          get(c, method, r) {
            const value = Reflect.get(c, method, r);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) =>
              around(definition.name, String(method), () =>
                (value as (...a: unknown[]) => unknown).apply(c, args),
              );
          },
        });
      };
    },
  });
}
