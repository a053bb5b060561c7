import { z } from 'zod';

/** Stack choices asked during clarification, each with the default used when the requester says `go`. */
export const STACK_CHOICES = {
  experimentTracking: ['mlflow', 'wandb', 'neptune', 'clearml'],
  featureStore: ['feast', 'tecton', 'databricks', 'custom'],
  serving: ['kserve', 'seldon', 'torchserve', 'triton'],
  orchestration: ['kubeflow', 'airflow', 'prefect', 'dagster'],
  cloud: ['aws', 'azure', 'gcp', 'multi-cloud'],
  deploymentMode: ['realtime', 'batch', 'streaming', 'hybrid'],
  monitoring: ['prometheus', 'datadog', 'newrelic', 'custom'],
} as const;

export const stackSchema = z.object({
  experimentTracking: z.enum(STACK_CHOICES.experimentTracking),
  featureStore: z.enum(STACK_CHOICES.featureStore),
  serving: z.enum(STACK_CHOICES.serving),
  orchestration: z.enum(STACK_CHOICES.orchestration),
  cloud: z.enum(STACK_CHOICES.cloud),
  deploymentMode: z.enum(STACK_CHOICES.deploymentMode),
  monitoring: z.enum(STACK_CHOICES.monitoring),
});
export type Stack = z.infer<typeof stackSchema>;

export const DEFAULT_STACK: Stack = {
  experimentTracking: 'mlflow',
  featureStore: 'feast',
  serving: 'kserve',
  orchestration: 'airflow',
  cloud: 'aws',
  deploymentMode: 'realtime',
  monitoring: 'prometheus',
};

export const requirementsSchema = z.object({
  objective: z.string().min(1).max(2000),
  dataSources: z.array(z.string().min(1).max(500)).max(20),
  targetMetric: z.string().min(1).max(300),
  baseline: z.string().min(1).max(300),
  constraints: z.object({
    latency: z.string().min(1).max(300),
    budget: z.string().min(1).max(300),
    compliance: z.string().min(1).max(300),
  }),
  stack: stackSchema,
  successCriteria: z.array(z.string().min(1).max(500)).max(10),
});
export type Requirements = z.infer<typeof requirementsSchema>;

/** Requirements used when the model could not be read at all: the request itself, and stated defaults. */
export function defaultRequirements(request: string): Requirements {
  return {
    objective: request.slice(0, 2000) || 'Unspecified machine-learning project',
    dataSources: [],
    targetMetric: 'to be chosen by the data scientist',
    baseline: 'current process, measured in phase 1',
    constraints: { latency: 'not stated', budget: 'not stated', compliance: 'not stated' },
    stack: DEFAULT_STACK,
    successCriteria: ['beats the baseline on the target metric'],
  };
}

/** What the project manager returns after each clarification round (model output; validated). */
export const clarifyOutputSchema = z.object({
  ready: z.boolean(),
  questions: z.array(z.string().min(1).max(500)).max(5),
  requirements: requirementsSchema,
  assumptions: z.array(z.string().min(1).max(500)).max(10),
});
export type ClarifyOutput = z.infer<typeof clarifyOutputSchema>;
