/**
 * What a model request cost, from the usage the Messages API reports — counted by the service's
 * model proxy, where the agent cannot reach it (the runtime's own `total_cost_usd` is computed
 * inside the sandbox and travels over a pipe that code in the sandbox can write to).
 *
 * Prices are US dollars per million tokens (Anthropic's list prices); cache writes cost 1.25× the
 * input price for the 5-minute cache and 2× for the 1-hour cache, cache reads 0.1×. A model not in
 * the table is priced as the most expensive one, so a budget errs on the side of stopping early.
 */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  /** 5-minute cache writes (and writes whose duration the API did not say). */
  readonly cacheWrite5mTokens: number;
  readonly cacheWrite1hTokens: number;
}

export const NO_USAGE: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
};

interface Price {
  readonly input: number;
  readonly output: number;
}

/** Longest prefix wins: `claude-sonnet-4-5-20250929` matches `claude-sonnet-4`. */
const PRICES: readonly (readonly [string, Price])[] = [
  ['claude-opus-4-5', { input: 5, output: 25 }],
  ['claude-opus-4-6', { input: 5, output: 25 }],
  ['claude-opus-4', { input: 15, output: 75 }],
  ['claude-3-opus', { input: 15, output: 75 }],
  ['claude-sonnet-4', { input: 3, output: 15 }],
  ['claude-3-7-sonnet', { input: 3, output: 15 }],
  ['claude-3-5-sonnet', { input: 3, output: 15 }],
  ['claude-haiku-4', { input: 1, output: 5 }],
  ['claude-3-5-haiku', { input: 0.8, output: 4 }],
  ['claude-3-haiku', { input: 0.25, output: 1.25 }],
];

const MOST_EXPENSIVE: Price = { input: 15, output: 75 };

export function priceOf(model: string): Price {
  let best: readonly [string, Price] | undefined;
  for (const entry of PRICES) {
    if (model.startsWith(entry[0]) && (best === undefined || entry[0].length > best[0].length)) best = entry;
  }
  return best?.[1] ?? MOST_EXPENSIVE;
}

export function costOf(model: string, usage: Usage): number {
  const price = priceOf(model);
  const inputs =
    usage.inputTokens + usage.cacheReadTokens * 0.1 + usage.cacheWrite5mTokens * 1.25 + usage.cacheWrite1hTokens * 2;
  return (inputs * price.input + usage.outputTokens * price.output) / 1_000_000;
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWrite5mTokens: a.cacheWrite5mTokens + b.cacheWrite5mTokens,
    cacheWrite1hTokens: a.cacheWrite1hTokens + b.cacheWrite1hTokens,
  };
}

/**
 * The usage object of a Messages API response (`message.usage` of `message_start`, `usage` of
 * `message_delta` or of a whole response), read leniently: missing fields are zero.
 */
export function usageFrom(raw: unknown): Usage {
  if (typeof raw !== 'object' || raw === null) return NO_USAGE;
  const fields = raw as Record<string, unknown>;
  const n = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
  const split =
    typeof fields.cache_creation === 'object' && fields.cache_creation !== null
      ? (fields.cache_creation as Record<string, unknown>)
      : undefined;
  const oneHour = n(split?.ephemeral_1h_input_tokens);
  const total = n(fields.cache_creation_input_tokens);
  return {
    inputTokens: n(fields.input_tokens),
    outputTokens: n(fields.output_tokens),
    cacheReadTokens: n(fields.cache_read_input_tokens),
    cacheWrite5mTokens: Math.max(0, total - oneHour),
    cacheWrite1hTokens: oneHour,
  };
}

/** A `message_delta` usage replaces the fields it names (its counts are totals for the message). */
export function mergeUsage(start: Usage, delta: unknown): Usage {
  if (typeof delta !== 'object' || delta === null) return start;
  const fields = delta as Record<string, unknown>;
  const named = usageFrom(delta);
  return {
    inputTokens: 'input_tokens' in fields ? named.inputTokens : start.inputTokens,
    outputTokens: 'output_tokens' in fields ? named.outputTokens : start.outputTokens,
    cacheReadTokens: 'cache_read_input_tokens' in fields ? named.cacheReadTokens : start.cacheReadTokens,
    cacheWrite5mTokens: 'cache_creation_input_tokens' in fields ? named.cacheWrite5mTokens : start.cacheWrite5mTokens,
    cacheWrite1hTokens: 'cache_creation_input_tokens' in fields ? named.cacheWrite1hTokens : start.cacheWrite1hTokens,
  };
}
