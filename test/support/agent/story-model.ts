/**
 * The scripted model's part in the agent story (the flow test and `npm run demo`): a responder that
 * answers each agent by the role line of its run's prompt, so boss, dev and reviewer can run in any
 * order and each gets its own script. The step within a run is the number of assistant messages
 * since the run's prompt, so a tool call's result moves the agent to its next step.
 *
 * - boss (full prompt): triages with `mcp__forge__comment`.
 * - dev (full prompt): commits a fix of `src/login.js` on its issue branch, pushes it (Bash), opens
 *   the PR and asks reviewer for a review.
 * - reviewer (full prompt): requests changes with `mcp__forge__submit_review`.
 * - dev (delta prompt, the resumed session): handles tabs too, pushes, and says so in a comment.
 */
import type { MessagesRequest } from '../model/schema.js';
import { dialogue, textsOf } from '../model/conversation.js';
import { bash, text, tool, type Turn } from '../model/script.js';
import type { Responder } from '../model/scripted-model.js';

export const STORY = {
  triage: 'Triage: `login()` in src/login.js breaks names with spaces. A small bug for dev.',
  review: 'Please also handle tabs, not only spaces.',
  answered: 'Tabs are handled too; pushed.',
  pullTitle: 'Fix login for names with spaces',
} as const;

const FIX = "export function login(user) {\n  return user.name.split(' ').join(' ');\n}\n";
const TABS = "export function login(user) {\n  return user.name.split(/[ \\t]+/).join(' ');\n}\n";

type Role = 'boss' | 'dev' | 'reviewer';

/** What one agent's run does, step by step; past the end the model answers a closing text. */
function scriptFor(role: Role, resumed: boolean): readonly Turn[] {
  if (role === 'boss') return [tool('mcp__forge__comment', { body: STORY.triage }), text('Triaged.')];
  if (role === 'reviewer')
    return [tool('mcp__forge__submit_review', { event: 'REQUEST_CHANGES', body: STORY.review }), text('Reviewed.')];
  if (resumed) {
    return [
      bash(commitAndPush(TABS, 'Handle tabs in names')),
      tool('mcp__forge__comment', { body: STORY.answered }),
      text('Answered the review.'),
    ];
  }
  return [
    bash(commitAndPush(FIX, 'Fix login for names with spaces')),
    tool('mcp__forge__open_pull_request', { title: STORY.pullTitle, body: 'Closes #1\n\n## Dependencies\n- none' }),
    tool('mcp__forge__request_review', { reviewers: ['reviewer'] }),
    text('Opened the pull request and asked reviewer for a review.'),
  ];
}

function commitAndPush(content: string, message: string): string {
  const heredoc = `cat > src/login.js <<'EOF'\n${content}EOF`;
  return `${heredoc}\ngit add src/login.js && git commit -q -m ${JSON.stringify(message)} && git push -q origin HEAD`;
}

const ROLE_LINE = /You are the (boss|dev|reviewer) agent/;

/** The responder for `startScriptedModel({ respond })`; undefined (the script answers) for anything else. */
export function storyResponder(): Responder {
  return ({ body }) => {
    const prompt = currentPrompt(body);
    if (!prompt) return undefined;
    const script = scriptFor(prompt.role, prompt.resumed);
    return script[prompt.step] ?? text('Done.');
  };
}

/** The run's prompt (the last user message with a role line) and how many replies followed it. */
function currentPrompt(body: MessagesRequest): { role: Role; resumed: boolean; step: number } | undefined {
  const messages = dialogue(body);
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== 'user') continue;
    const role = ROLE_LINE.exec(textsOf(message).join('\n'))?.[1] as Role | undefined;
    if (!role) continue;
    const step = messages.slice(i + 1).filter((m) => m.role === 'assistant').length;
    return { role, resumed: textsOf(message).join('\n').includes('This resumes your session'), step };
  }
  return undefined;
}
