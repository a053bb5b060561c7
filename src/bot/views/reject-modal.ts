import type { types } from '@slack/bolt';
import { REASON_MAX_CHARS } from '../../domain/audit.js';
import { modalMetadata, type RejectModalMetadata } from '../../domain/ids.js';
import { section } from './blocks.js';
import { escapeText } from './text.js';

/** The Reject modal's ids: Bolt routes its submission by `callback`; the reason is read at block/action. */
export const REJECT_MODAL = {
  callback: 'gate_reject_reason',
  reasonBlock: 'reason',
  reasonAction: 'reason_input',
} as const;

/** Asks the rejecter why; the gate it is about travels in `private_metadata`, checked again on submit. */
export function rejectModal(meta: RejectModalMetadata): types.ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_MODAL.callback,
    private_metadata: modalMetadata.reject(meta),
    title: { type: 'plain_text', text: 'Reject deployment' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `Rejecting \`${escapeText(meta.gate.stageId)}\` stops the run: nothing is deployed. Your reason is shown in the project's thread and kept in its audit trail.`,
      ),
      {
        type: 'input',
        block_id: REJECT_MODAL.reasonBlock,
        label: { type: 'plain_text', text: 'Why do you reject it?' },
        element: {
          type: 'plain_text_input',
          action_id: REJECT_MODAL.reasonAction,
          multiline: true,
          max_length: REASON_MAX_CHARS,
          placeholder: { type: 'plain_text', text: 'e.g. the canary plan skips the EU region' },
        },
      },
    ],
  };
}
