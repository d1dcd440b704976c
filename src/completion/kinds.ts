/** The shells `shiplog completion` writes a script for. */
export const completionShells = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof completionShells)[number];

/** What `shiplog __complete KIND` lists from the store, one a line: app names, environment names, recent keys. */
export const completionValueKinds = ['apps', 'envs', 'keys'] as const;
export type CompletionValueKind = (typeof completionValueKinds)[number];
