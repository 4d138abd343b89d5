export function contentSecurityPolicy(options?: { dev?: boolean; nonce?: string; scriptHashes?: string[] }): string;
export function newNonce(): string;
export function inlineScriptHashes(html: string): string[];
export function prerenderedScriptHashes(): string[];
export const THIRD_PARTY_ORIGINS: string[];
