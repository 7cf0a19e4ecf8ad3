/**
 * A command's action whose module (`../actions/…`) is loaded by `import()`
 * only when the command runs, so registering every command loads nothing
 * heavy. Errors are reported as `action` reports them.
 */
import { action } from '../errors.js';

export function lazyAction<Module, Args extends unknown[]>(
  where: string,
  load: () => Promise<Module>,
  run: (module: Module, ...args: Args) => Promise<void> | void,
): (...args: Args) => Promise<void> {
  return action(where, async (...args: Args) => run(await load(), ...args));
}
