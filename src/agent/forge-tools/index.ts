export { createForgeTools } from './create-forge-tools.js';
export { TOOLS_BY_WORKSPACE, type ForgeToolName } from './roles.js';
export type { ForgeTools, ForgeToolsOptions } from './types.js';
export type { ForgeChange } from '../../core/forge-change.js';
