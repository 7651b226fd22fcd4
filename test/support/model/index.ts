/** The scripted model and its helpers; see docs/testing.md, "The scripted model". */
export { startScriptedModel } from './scripted-model.js';
export type {
  AuxiliaryRequest,
  CountTokensRecord,
  FaultedRequest,
  RecordedRequest,
  RejectedRequest,
  Responder,
  ScriptedModel,
  ScriptedModelOptions,
  TurnRequest,
  TurnSource,
} from './scripted-model.js';
export { bash, edit, text, tool, write } from './script.js';
export { OVERLOADED_BODY } from './faults.js';
export type { Fault, FaultKind } from './faults.js';
export type { ScriptBlock, TextBlock, ToolUseBlock, Turn } from './script.js';
export { dialogue, lastUserMessage, textsOf, toolResultsIn, toolUsesIn } from './conversation.js';
export type { ToolResult, ToolUse } from './conversation.js';
export { sdkEnv } from './sdk-env.js';
export type { SdkEnvOptions } from './sdk-env.js';
export type { ApiMessage, MessagesRequest } from './schema.js';
export { transcriptPath } from './transcript-path.js';
