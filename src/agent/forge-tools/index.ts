export { createForgeTools } from './create-forge-tools.js';
export { TOOLS_BY_WORKSPACE, type ForgeToolName } from './roles.js';
export type { ForgeChange, ForgeTools, ForgeToolsOptions } from './types.js';
