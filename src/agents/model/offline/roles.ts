import type { RoleId } from '../../../domain/roles.js';
import { dataEngineer, dataScientist } from './drafts/data.js';
import { kubernetesArchitect, mlopsEngineer, observabilityEngineer } from './drafts/delivery.js';
import type { DraftInput, RoleDraft } from './drafts/draft.js';
import { mlEngineer, pythonPro } from './drafts/modelling.js';
import { fairnessReview, modelExperiment } from './drafts/stage-specific.js';

export type { DraftInput, RoleDraft } from './drafts/draft.js';

/** Each role's draft: what that specialist would deliver for these requirements. */
export const ROLE_DRAFTS: Readonly<Record<RoleId, (input: DraftInput) => RoleDraft>> = {
  'data-engineer': dataEngineer,
  'data-scientist': dataScientist,
  'ml-engineer': mlEngineer,
  'python-pro': pythonPro,
  'mlops-engineer': mlopsEngineer,
  'kubernetes-architect': kubernetesArchitect,
  'observability-engineer': observabilityEngineer,
};

/** The draft for one stage: its role's, or a stage-specific one for a review or an experiment. */
export function draftFor(stage: { id: string; role: RoleId; task: string }, input: DraftInput): RoleDraft {
  if (stage.role === 'data-scientist' && /fairness|bias/i.test(stage.id)) return fairnessReview(input);
  if (stage.role === 'ml-engineer' && /experiment/i.test(stage.id)) {
    const family =
      /Train and evaluate (.+?) on /.exec(stage.task)?.[1] ??
      input.rng.pick(['gradient-boosted trees', 'a linear baseline']);
    return modelExperiment(input, family.charAt(0).toUpperCase() + family.slice(1));
  }
  return ROLE_DRAFTS[stage.role](input);
}
