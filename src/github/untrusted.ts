// The quoting of untrusted text lives with the agents (src/agents/untrusted.ts), which must not import src/github.
export { quoteUntrusted } from '../agents/untrusted.js';
