/**
 * The script a test gives the scripted model: a queue of turns, each the content of one
 * assistant reply. A turn is one block or a list of blocks; a turn holding a `tool_use` block
 * ends with `stop_reason: 'tool_use'`, so the runtime runs the tool and sends its `tool_result`
 * in the next request, which the next turn answers. Any other turn ends with `end_turn`.
 *
 * ```ts
 * script: [
 *   [text('Adding the file.'), bash('git add a.txt && git commit -m "Add a"')],
 *   text('Committed.'),
 * ]
 * ```
 */

export interface TextBlock {
  readonly type: 'text';
  readonly text: string;
}

export interface ToolUseBlock {
  readonly type: 'tool_use';
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The `tool_use` id; the model numbers the blocks it sends when a test leaves it out. */
  readonly id?: string;
}

export type ScriptBlock = TextBlock | ToolUseBlock;

/** One assistant reply: a single block, or several in order. */
export type Turn = ScriptBlock | readonly ScriptBlock[];

export const text = (value: string): TextBlock => ({ type: 'text', text: value });

/** A call of any tool by name: a built-in (`Read`, `Grep`) or an MCP tool (`mcp__forge__comment`). */
export const tool = (name: string, input: Readonly<Record<string, unknown>>, id?: string): ToolUseBlock =>
  id === undefined ? { type: 'tool_use', name, input } : { type: 'tool_use', name, input, id };

/** The runtime runs `command` with bash in the session's cwd. */
export const bash = (command: string, description = 'Run a command'): ToolUseBlock =>
  tool('Bash', { command, description });

/** `path` may be relative to the session's cwd. */
export const write = (path: string, content: string): ToolUseBlock => tool('Write', { file_path: path, content });

/** Replaces the only occurrence of `oldText` in `path`; the runtime reports an error otherwise. */
export const edit = (path: string, oldText: string, newText: string): ToolUseBlock =>
  tool('Edit', { file_path: path, old_string: oldText, new_string: newText });

export function blocksOf(turn: Turn): readonly ScriptBlock[] {
  const blocks = 'type' in turn ? [turn] : turn;
  if (blocks.length === 0) throw new Error('a scripted turn needs at least one block');
  return blocks;
}
