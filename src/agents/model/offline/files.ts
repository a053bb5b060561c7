import type { ModelFile } from '../../../domain/deliverable-files.js';
import type { RoleId } from '../../../domain/roles.js';
import type { RoleDraft } from './drafts/draft.js';

const EXTENSIONS: Record<string, string> = { python: 'py', sql: 'sql', yaml: 'yaml', json: 'json' };

/** Where each role keeps its work in the project's repository. */
const FOLDERS: Record<RoleId, string> = {
  'data-engineer': 'pipelines',
  'data-scientist': 'experiments',
  'ml-engineer': 'training',
  'python-pro': 'src',
  'mlops-engineer': 'deploy',
  'kubernetes-architect': 'k8s',
  'observability-engineer': 'monitoring',
};

function fileName(heading: string): string {
  return (
    heading
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'main'
  );
}

/** A role's second file: the configuration a team would expect beside its code. */
function companion(role: RoleId, stageId: string, slug: string, draft: RoleDraft): ModelFile {
  const dir = `${FOLDERS[role]}/${slug}`;
  switch (role) {
    case 'observability-engineer':
      return {
        path: `${dir}/dashboard.json`,
        language: 'json',
        content: `${JSON.stringify(
          {
            title: `${slug}: service and model health`,
            panels: draft.table.rows.slice(0, 6).map((row, i) => ({
              id: i + 1,
              type: 'timeseries',
              title: row[0] ?? `panel ${i + 1}`,
              description: row.slice(1).join(' · '),
            })),
            tags: ['pipewright', slug],
          },
          null,
          2,
        )}\n`,
      };
    default:
      return {
        path: `${dir}/${fileName(stageId)}.config.yaml`,
        language: 'yaml',
        content: `# ${draft.table.heading}: written by ${stageId}\nstage: ${stageId}\nproject: ${slug}\n${draft.table.columns[0] ?? 'items'}:\n${draft.table.rows
          .map((row) => `  - ${JSON.stringify(row.join(' | '))}`)
          .join('\n')}\n`,
      };
  }
}

/** The stage's files: its code as a file in its role's folder, and a configuration file beside it. */
export function offlineFiles(role: RoleId, stageId: string, slug: string, draft: RoleDraft): ModelFile[] {
  const ext = EXTENSIONS[draft.code.language] ?? 'txt';
  return [
    {
      path: `${FOLDERS[role]}/${slug}/${fileName(draft.code.heading)}.${ext}`,
      language: draft.code.language,
      content: `${draft.code.body}\n`,
    },
    companion(role, stageId, slug, draft),
  ];
}
