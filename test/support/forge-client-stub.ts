/**
 * A structural fake of the forge's REST client: the methods a test or benchmark gives, and every
 * other one failing loudly when called — so a caller that starts to depend on more of the forge
 * says so, and adding a method to `ForgeClient` needs no edit here.
 */
import type { ForgeClient } from '../../src/forge/client.js';

export function forgeClientWith<T extends Partial<ForgeClient>>(methods: T, unusedBy = 'this fake'): ForgeClient & T {
  const unused = (name: string) => async (): Promise<never> => {
    throw new Error(`ForgeClient.${name} is not used by ${unusedBy}`);
  };
  return new Proxy(methods, {
    get(target, key, receiver) {
      if (typeof key !== 'string' || key in target) return Reflect.get(target, key, receiver);
      // Not a thenable: a client can be awaited or returned from an async function.
      return key === 'then' ? undefined : unused(key);
    },
  }) as ForgeClient & T;
}
