// Public surface of the providers area.
export * from './types.js';
export { ProviderError, StructuredOutputError, parseRetryAfter } from './errors.js';
export { RetryPolicy, withRetry, retryDelay, realSleep, type Sleep, type RetryDeps } from './retry.js';
export { toJsonSchema, validateAnswer } from './structured.js';
export { GeminiProvider, type GeminiOptions, type GeminiThinking } from './gemini.js';
export { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible.js';
export { ProvidersConfig, loadProvidersConfig } from './config.js';
export { createCloudProvider, createLocalProvider, type ProviderDeps } from './factory.js';
