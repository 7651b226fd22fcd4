/**
 * The parts of a Messages API request body the scripted model and the tests read. Objects are
 * loose: the Claude Code runtime sends many more fields (`thinking`, `context_management`,
 * `metadata`, cache controls) and a test may still look at them through the recorded raw body.
 */
import { z } from 'zod';

export const contentBlockSchema = z.looseObject({ type: z.string() });

export const apiMessageSchema = z.looseObject({
  // The runtime also puts `system` messages inside `messages` (the environment block, and an
  // "Environment update" after a resume from another cwd), not only in the top-level `system`.
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});

export const messagesRequestSchema = z.looseObject({
  model: z.string(),
  max_tokens: z.number().int().optional(),
  stream: z.boolean().optional(),
  system: z.unknown().optional(),
  tools: z.array(z.looseObject({ name: z.string() })).optional(),
  messages: z.array(apiMessageSchema),
  output_config: z
    .looseObject({ format: z.looseObject({ type: z.string(), schema: z.unknown().optional() }).optional() })
    .optional(),
});

export const countTokensRequestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z.array(apiMessageSchema).optional(),
});

export type ContentBlock = z.infer<typeof contentBlockSchema>;
export type ApiMessage = z.infer<typeof apiMessageSchema>;
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;
