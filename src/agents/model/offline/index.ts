/** The offline model: answers every agent job locally, without an API key (provider.ts). */
export { OFFLINE_MODEL, OfflineProvider, type OfflineProviderOptions } from './provider.js';
