import type { Project } from '../../domain/project.js';

/**
 * A prompt. `system` is a list of blocks, most stable first: the team charter (the same for every call),
 * the project's requirements, the plan. Each block ends a prompt-cache breakpoint, so every call of a
 * project reads the longest prefix it shares with the calls before it from the provider's cache.
 */
export interface Prompt {
  system: string[];
  user: string;
}

export function requirementsSection(project: Project): string {
  return `The project's requirements:\n<requirements>\n${JSON.stringify(project.requirements ?? {}, null, 2)}\n</requirements>`;
}

export function planSection(project: Project): string {
  const stages = project.plan?.stages ?? [];
  const lines = stages.map(
    (s) =>
      `${s.id} (${s.role})${s.reads.length ? ` reads ${s.reads.join(', ')}` : ''}${s.needsApproval ? ', needs approval' : ''}`,
  );
  return `The project's plan:\n<plan>\n${lines.join('\n')}\n</plan>${project.planRationale ? `\nWhy: ${project.planRationale}` : ''}`;
}
