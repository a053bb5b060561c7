import { assertNever } from '../../domain/assert-never.js';
import type { View } from '../../domain/views.js';
import { renderAudit } from './audit.js';
import { renderBudget } from './budget.js';
import { renderQuestions, renderWelcome } from './clarify.js';
import { renderForgetConfirm } from './forget.js';
import { renderGate } from './gate.js';
import { renderGateReminder } from './gate-reminder.js';
import { renderMemory } from './memory.js';
import type { RenderedMessage } from './message.js';
import { renderNotice } from './notices.js';
import { ONLINE, type RenderSettings, withOfflineMark } from './offline.js';
import { renderPlan, renderStageNote, renderStatus } from './run.js';
import { renderSummary } from './summary.js';
import { renderStatusTable, renderSummaryTable, tablesOn } from './tables.js';

/**
 * The one entry point from a view to Block Kit. Each family of views renders in its own module
 * (clarify, run, gate, budget, forget, memory, notices), with its strings and action ids. `settings` add
 * what every message of this deployment carries (the offline mark).
 */
export function renderView(view: View, settings: RenderSettings = ONLINE): RenderedMessage {
  const body = renderViewBody(view, settings);
  const marked = withOfflineMark(body, settings);
  return body.withoutTables
    ? { ...marked, withoutTables: withOfflineMark(body.withoutTables, settings) }
    : marked;
}

function renderViewBody(view: View, settings: RenderSettings): RenderedMessage {
  switch (view.type) {
    case 'welcome':
      return renderWelcome(view);
    case 'questions':
      return renderQuestions(view);
    case 'plan':
      return renderPlan(view);
    case 'status':
      return tablesOn(settings) && view.reply ? renderStatusTable(view) : renderStatus(view);
    case 'stage_note':
      return renderStageNote(view);
    case 'gate':
      return renderGate(view);
    case 'gate_reminder':
      return renderGateReminder(view);
    case 'summary':
      return tablesOn(settings) ? renderSummaryTable(view) : renderSummary(view);
    case 'forget_confirm':
      return renderForgetConfirm(view);
    case 'memory':
      return renderMemory(view);
    case 'notice':
      return renderNotice(view);
    case 'budget':
      return renderBudget(view);
    case 'audit':
      return renderAudit(view);
    default:
      return assertNever(view);
  }
}
