import { type Answer, fail, isBlank, isRecord } from './answers.js';

/** Slack's limits on message text and Block Kit; each reason ends with a JSON pointer like Slack's own. */

const MESSAGE_TEXT_LIMIT = 40_000;
const MESSAGE_BLOCKS_LIMIT = 50;
const VIEW_BLOCKS_LIMIT = 100;
const VIEW_TITLE_LIMIT = 24;

export function contentProblem(method: string, args: Record<string, unknown>): Answer | undefined {
  const needsContent = method === 'chat.postMessage' || method === 'chat.postEphemeral';
  if (needsContent && isBlank(args.text) && isBlank(args.blocks) && isBlank(args.attachments)) {
    return fail('no_text');
  }
  if (method.startsWith('chat.') && typeof args.text === 'string' && args.text.length > MESSAGE_TEXT_LIMIT) {
    return fail('msg_too_long');
  }
  if (args.blocks === undefined) return undefined;
  if (!Array.isArray(args.blocks)) return fail('invalid_blocks_format');
  const errors = blockKitErrors(args.blocks);
  if (errors.length === 0) return undefined;
  return fail('invalid_blocks', {
    errors,
    response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
  });
}

/**
 * Checks the Block Kit limits Slack enforces on a message's (or, with `max` and `at`, a view's) blocks.
 * A table block is allowed in messages only, one a message (`tables: false` for views).
 */
export function blockKitErrors(
  blocks: unknown[],
  max = MESSAGE_BLOCKS_LIMIT,
  at = '/blocks',
  tables = true,
): string[] {
  const errors: string[] = [];
  if (blocks.length > max) {
    errors.push(`no more than ${max} blocks allowed, got ${blocks.length} [json-pointer:${at}]`);
  }
  errors.push(...tableCountErrors(blocks, at, tables));
  blocks.forEach((block, i) => {
    checkBlock(block, `${at}/${i}`, errors);
  });
  return errors;
}

function checkBlock(block: unknown, at: string, errors: string[]): void {
  if (!isRecord(block) || typeof block.type !== 'string') {
    errors.push(`block must be an object with a string "type" [json-pointer:${at}]`);
    return;
  }
  checkLength(block.block_id, 255, `${at}/block_id`, errors);
  switch (block.type) {
    case 'section':
      if (block.text === undefined && block.fields === undefined) {
        errors.push(`section block must have "text" or "fields" [json-pointer:${at}]`);
      }
      if (block.text !== undefined) checkTextObject(block.text, 3000, `${at}/text`, errors);
      checkList(block.fields, 10, `${at}/fields`, errors, (field, fieldAt) =>
        checkTextObject(field, 2000, fieldAt, errors),
      );
      if (block.accessory !== undefined) checkElement(block.accessory, `${at}/accessory`, errors);
      return;
    case 'header':
      checkTextObject(block.text, 150, `${at}/text`, errors, true);
      return;
    case 'actions':
      checkList(block.elements, 25, `${at}/elements`, errors, (element, elementAt) =>
        checkElement(element, elementAt, errors),
      );
      return;
    case 'context':
      checkList(block.elements, 10, `${at}/elements`, errors, (element, elementAt) => {
        if (isRecord(element) && (element.type === 'mrkdwn' || element.type === 'plain_text')) {
          checkTextObject(element, 3000, elementAt, errors);
        }
      });
      return;
    case 'table':
      checkTable(block, at, errors);
      return;
    default:
      // divider, image, rich_text, input, ...: no limits modelled here.
      return;
  }
}

const TABLE_ROWS_LIMIT = 100;
const TABLE_CELLS_LIMIT = 20;

/** Slack's table block: 1 to 100 rows of at most 20 cells (raw_text, raw_number or rich_text), 20 column settings. */
function checkTable(block: Record<string, unknown>, at: string, errors: string[]): void {
  if (!Array.isArray(block.rows) || block.rows.length === 0) {
    errors.push(`table block must have at least one row [json-pointer:${at}/rows]`);
    return;
  }
  checkList(block.rows, TABLE_ROWS_LIMIT, `${at}/rows`, errors, (row, rowAt) =>
    checkList(row, TABLE_CELLS_LIMIT, rowAt, errors, (cell, cellAt) => {
      if (!isRecord(cell) || !['raw_text', 'raw_number', 'rich_text'].includes(String(cell.type))) {
        errors.push(
          `table cell type must be "raw_text", "raw_number" or "rich_text" [json-pointer:${cellAt}]`,
        );
      } else if (cell.type !== 'rich_text' && (typeof cell.text !== 'string' || cell.text.length === 0)) {
        errors.push(`must be more than 0 characters [json-pointer:${cellAt}/text]`);
      }
    }),
  );
  checkList(block.column_settings, TABLE_CELLS_LIMIT, `${at}/column_settings`, errors, () => undefined);
}

function tableCountErrors(blocks: unknown[], at: string, allowed: boolean): string[] {
  const tables = blocks.flatMap((b, i) => (isRecord(b) && b.type === 'table' ? [i] : []));
  if (!allowed)
    return tables.map((i) => `table blocks are only allowed in messages [json-pointer:${at}/${i}]`);
  return tables.slice(1).map((i) => `only one table block is allowed per message [json-pointer:${at}/${i}]`);
}

function checkElement(element: unknown, at: string, errors: string[]): void {
  if (!isRecord(element) || typeof element.type !== 'string') {
    errors.push(`element must be an object with a string "type" [json-pointer:${at}]`);
    return;
  }
  checkLength(element.action_id, 255, `${at}/action_id`, errors);
  if (element.type !== 'button') return;
  checkTextObject(element.text, 75, `${at}/text`, errors, true);
  checkLength(element.value, 2000, `${at}/value`, errors);
  checkLength(element.url, 3000, `${at}/url`, errors);
}

function checkTextObject(value: unknown, max: number, at: string, errors: string[], plainOnly = false): void {
  if (!isRecord(value)) {
    errors.push(`must be a text object [json-pointer:${at}]`);
    return;
  }
  const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (!allowed.includes(String(value.type))) {
    errors.push(
      `text object type must be ${allowed.map((t) => `"${t}"`).join(' or ')} [json-pointer:${at}/type]`,
    );
  }
  if (typeof value.text !== 'string' || value.text.length === 0) {
    errors.push(`must be more than 0 characters [json-pointer:${at}/text]`);
    return;
  }
  checkLength(value.text, max, `${at}/text`, errors);
}

function checkLength(value: unknown, max: number, at: string, errors: string[]): void {
  if (typeof value === 'string' && value.length > max) {
    errors.push(`must be at most ${max} characters, got ${value.length} [json-pointer:${at}]`);
  }
}

function checkList(
  value: unknown,
  max: number,
  at: string,
  errors: string[],
  checkItem: (item: unknown, itemAt: string) => void,
): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    errors.push(`must be an array [json-pointer:${at}]`);
    return;
  }
  if (value.length > max) {
    errors.push(`no more than ${max} items allowed, got ${value.length} [json-pointer:${at}]`);
  }
  value.forEach((item, i) => {
    checkItem(item, `${at}/${i}`);
  });
}

/**
 * What Slack refuses in a view: the wrong type for the method (a Home tab is `home`, a modal `modal`), a
 * modal without a title or with a title, submit or close label over 24 characters, more than 100 blocks.
 */
export function viewErrors(view: unknown, kind: 'home' | 'modal'): string[] {
  if (!isRecord(view)) return ['must be a view object [json-pointer:/view]'];
  const errors: string[] = [];
  if (view.type !== kind) errors.push(`view type must be "${kind}" [json-pointer:/view/type]`);
  if (kind === 'modal') {
    checkTextObject(view.title, VIEW_TITLE_LIMIT, '/view/title', errors, true);
    if (view.submit !== undefined)
      checkTextObject(view.submit, VIEW_TITLE_LIMIT, '/view/submit', errors, true);
    if (view.close !== undefined) checkTextObject(view.close, VIEW_TITLE_LIMIT, '/view/close', errors, true);
  }
  checkLength(view.callback_id, 255, '/view/callback_id', errors);
  checkLength(view.private_metadata, 3000, '/view/private_metadata', errors);
  if (!Array.isArray(view.blocks)) errors.push('must be an array [json-pointer:/view/blocks]');
  else errors.push(...blockKitErrors(view.blocks, VIEW_BLOCKS_LIMIT, '/view/blocks', false));
  return errors;
}
