export { createForgeTools } from './create-forge-tools.js';
export type { ForgeTools, ForgeToolsOptions } from './types.js';
export type { ForgeChange } from '../../core/forge-change.js';
