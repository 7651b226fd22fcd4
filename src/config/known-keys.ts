/**
 * The keys the configuration schema allows at a path (`dispatch`, `agents.dev.limits`), read from
 * the zod schema itself so the "did you mean" of an unknown key never drifts from the schema.
 */
import type { z } from 'zod';

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly valueType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch']);

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let def = defOf(current); WRAPPERS.has(def.type) && def.innerType; def = defOf(current)) current = def.innerType;
  return current;
}

export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    const def: Def = defOf(current);
    const next: z.ZodType | undefined =
      def.type === 'object'
        ? def.shape?.[String(segment)]
        : def.type === 'record'
          ? def.valueType
          : def.type === 'array'
            ? def.element
            : def.type === 'union'
              ? optionKey(def, String(segment))
              : undefined;
    if (!next) return [];
    current = unwrap(next);
  }
  return keysOf(current);
}

/** In a union (`store: sqlite | { postgres: … }`), the object option that has the key. */
function optionKey(def: Def, key: string): z.ZodType | undefined {
  for (const option of def.options ?? []) {
    const shape = defOf(unwrap(option)).shape;
    if (shape?.[key]) return shape[key];
  }
  return undefined;
}

function keysOf(schema: z.ZodType): string[] {
  const def = defOf(schema);
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.type === 'union') return [...new Set((def.options ?? []).flatMap((option) => keysOf(unwrap(option))))];
  return [];
}
