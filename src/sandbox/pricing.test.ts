import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costOf, mergeUsage, priceOf, usageFrom } from './pricing.js';

describe('model pricing', () => {
  it('prices a model by its longest known prefix, and an unknown one as the most expensive', () => {
    const cases: ReadonlyArray<[string, number, number]> = [
      ['claude-sonnet-4-5-20250929', 3, 15],
      ['claude-opus-4-5', 5, 25],
      ['claude-opus-4-1-20250805', 15, 75],
      ['claude-haiku-4-5', 1, 5],
      ['claude-3-5-haiku-latest', 0.8, 4],
      ['some-gateway-alias', 15, 75],
    ];

    assert.deepEqual(
      cases.map(([model]) => [model, priceOf(model).input, priceOf(model).output]),
      cases,
    );
  });

  it('counts cache reads at a tenth and cache writes at 1.25× (5 minutes) or 2× (1 hour) the input price', () => {
    const usage = usageFrom({
      input_tokens: 1_000_000,
      output_tokens: 100_000,
      cache_read_input_tokens: 1_000_000,
      cache_creation_input_tokens: 2_000_000,
      cache_creation: { ephemeral_1h_input_tokens: 1_000_000 },
    });

    const cost = costOf('claude-sonnet-4-5', usage);

    // 3 + 1.5 (output) + 0.3 (read) + 3.75 (5m write) + 6 (1h write)
    assert.equal(cost.toFixed(4), (3 + 1.5 + 0.3 + 3.75 + 6).toFixed(4));
  });

  it("takes a message_delta's counts as the message's totals for the fields it names", () => {
    const start = usageFrom({ input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 5 });

    const merged = mergeUsage(start, { output_tokens: 42 });

    assert.deepEqual([merged.inputTokens, merged.outputTokens, merged.cacheReadTokens], [10, 42, 5]);
  });

  it('reads missing, negative or non-numeric fields as zero', () => {
    assert.deepEqual(usageFrom({ input_tokens: -3, output_tokens: 'many' }), usageFrom(undefined));
  });
});
