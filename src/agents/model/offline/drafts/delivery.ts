import { type DraftInput, type RoleDraft, target } from './draft.js';

/** The roles that ship and run it: serving, cluster, monitoring. */

export function mlopsEngineer({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const strategy = rng.pick(['canary', 'blue-green', 'shadow'] as const);
  const steps =
    strategy === 'canary'
      ? [
          ['1', '5%', '30 min', `error rate > 1% or latency over ${target(r.constraints.latency)}`],
          ['2', '25%', '2 h', `${r.targetMetric} proxy drops > 5%`],
          ['3', '100%', '24 h', 'any alert from phase 4'],
        ]
      : strategy === 'blue-green'
        ? [
            ['1', 'green gets 0%, smoke tests', '15 min', 'any failing smoke test'],
            ['2', 'switch 100% to green', '1 h', 'error rate > 1%'],
            ['3', 'retire blue', '24 h', 'rollback window closes'],
          ]
        : [
            ['1', 'shadow 100%, no responses used', '48 h', 'prediction disagreement > 10%'],
            ['2', 'canary 10%', '4 h', 'error rate > 1%'],
            ['3', '100%', '24 h', 'any alert from phase 4'],
          ];
  return {
    headline: `${r.stack.deploymentMode} serving on ${r.stack.serving} with a ${strategy} rollout, CI/CD and infrastructure as code; nothing is deployed before approval.`,
    sections: [
      {
        heading: 'Serving',
        lines: [
          `- Mode: **${r.stack.deploymentMode}** on ${r.stack.serving} (${r.stack.cloud}).`,
          `- Interface: ${r.stack.deploymentMode === 'batch' ? 'a scheduled job writing scores to a table' : 'REST `POST /v1/predict`, JSON in and out'}.`,
          `- Latency constraint: ${target(r.constraints.latency)}.`,
        ],
      },
      {
        heading: 'CI/CD',
        lines: [
          'Every merge builds the image, runs the tests and a load test, and deploys to staging.',
          'Production deploys only from a registered model in the production stage, after a human approval.',
        ],
      },
    ],
    table: {
      heading: `Rollout (${strategy})`,
      columns: ['step', 'traffic', 'hold', 'rollback trigger'],
      rows: steps,
    },
    code: {
      heading: 'Inference service',
      language: 'yaml',
      body: `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: ${slug}
  annotations:
    serving.kserve.io/deploymentMode: ${r.stack.deploymentMode === 'batch' ? 'RawDeployment' : 'Serverless'}
spec:
  predictor:
    minReplicas: ${rng.int(2, 3)}
    maxReplicas: ${rng.int(6, 12)}
    model:
      modelFormat:
        name: lightgbm
      storageUri: s3://models/${slug}/production
      resources:
        requests: { cpu: "500m", memory: 1Gi }
        limits: { cpu: "2", memory: 2Gi }`,
    },
    risks: [
      `Rollback is automatic on the triggers above; a manual rollback is one command (\`kubectl rollout undo\`).`,
      `Cold starts may miss the latency target (${target(r.constraints.latency)}); minimum replicas stay above zero.`,
    ],
    handover: [`Service \`${slug}\`; metrics exposed on \`/metrics\`; rollout strategy ${strategy}.`],
    insight: {
      area: 'deployment',
      text: `A ${strategy} rollout with automatic rollback triggers lets a model change go out without a maintenance window.`,
      tags: [strategy, r.stack.serving, 'ci-cd'],
    },
  };
}

export function kubernetesArchitect({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const cpuTarget = rng.int(55, 75);
  const max = rng.int(6, 16);
  return {
    headline: `Kubernetes design for ${slug}: autoscaling at ${cpuTarget}% CPU up to ${max} replicas, GPU only for training, within ${target(r.constraints.budget)}.`,
    sections: [
      {
        heading: 'Workloads',
        lines: [
          '- Serving: CPU nodes, a Deployment per model version behind one Service.',
          '- Training: a GPU node pool that scales to zero between runs (taints keep other pods off).',
        ],
      },
      {
        heading: 'Storage',
        lines: [
          `- Models: object storage on ${r.stack.cloud}, read-only to serving pods.`,
          '- Scratch for training: ephemeral volumes; nothing stateful runs in the cluster.',
        ],
      },
    ],
    table: {
      heading: 'Resources',
      columns: ['workload', 'requests', 'limits', 'replicas'],
      rows: [
        ['serving', '500m CPU, 1 GiB', '2 CPU, 2 GiB', `2–${max}`],
        ['training', '4 CPU, 16 GiB, 1 GPU', '8 CPU, 32 GiB, 1 GPU', '0–2'],
        ['batch scoring', '1 CPU, 4 GiB', '2 CPU, 8 GiB', '0–4'],
      ],
    },
    code: {
      heading: 'Autoscaling',
      language: 'yaml',
      body: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${slug}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${slug}
  minReplicas: 2
  maxReplicas: ${max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: ${cpuTarget}`,
    },
    risks: [
      `GPU nodes are the main cost; they scale to zero and are capped at 2 to stay within ${target(r.constraints.budget)}.`,
    ],
    handover: [`Namespace \`${slug}\`; Helm chart \`charts/${slug}\`; HPA target ${cpuTarget}% CPU.`],
    insight: {
      area: 'capacity',
      text: `A GPU pool that scales to zero, tainted for training only, keeps GPU cost to the hours training actually runs.`,
      tags: ['kubernetes', 'gpu', 'autoscaling'],
    },
  };
}

export function observabilityEngineer({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const psi = rng.pick(['0.1', '0.2', '0.25']);
  const errorRate = rng.pick(['1%', '2%', '0.5%']);
  return {
    headline: `${r.stack.monitoring} monitoring of ${slug}: drift (PSI > ${psi}), latency against ${target(r.constraints.latency)}, errors over ${errorRate}, and cost per day.`,
    sections: [
      {
        heading: 'Signals',
        lines: [
          `- Data drift: PSI per feature, daily, against the training snapshot.`,
          `- Prediction drift: score distribution and positive rate, hourly.`,
          `- Serving: request rate, error rate, latency histogram (p50, p95, p99).`,
          `- Cost: compute and storage per day, tagged by stage.`,
        ],
      },
      {
        heading: 'Dashboards',
        lines: [
          `One dashboard per model version: traffic, latency, drift, and ${r.targetMetric} once labels arrive.`,
        ],
      },
    ],
    table: {
      heading: 'Alerts',
      columns: ['alert', 'threshold', 'severity', 'who is paged'],
      rows: [
        ['HighErrorRate', `> ${errorRate} for 5 min`, 'page', 'on-call ML engineer'],
        ['LatencyBudget', `over ${target(r.constraints.latency)} for 10 min`, 'page', 'on-call ML engineer'],
        ['FeatureDrift', `PSI > ${psi}`, 'ticket', 'data scientist'],
        ['DailyCost', `over ${target(r.constraints.budget)}`, 'ticket', 'project owner'],
      ],
    },
    code: {
      heading: 'Alert rules',
      language: 'yaml',
      body: `groups:
  - name: ${slug}
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_requests_total{service="${slug}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="${slug}"}[5m])) > ${Number.parseFloat(errorRate) / 100}
        for: 5m
        labels: { severity: page }
      - alert: FeatureDrift
        expr: max by (feature) (model_feature_psi{model="${slug}"}) > ${psi}
        for: 1h
        labels: { severity: ticket }`,
    },
    risks: [
      'Labels arrive late, so the deciding metric lags; drift alerts are the early warning until then.',
    ],
    handover: [`Dashboard \`${slug} / overview\`; alert group \`${slug}\` in ${r.stack.monitoring}.`],
    insight: {
      area: 'monitoring',
      text: `PSI above ${psi} on any top feature preceded most quality drops; alert on it as a ticket, not a page.`,
      tags: ['drift', r.stack.monitoring, 'alerting'],
    },
  };
}
