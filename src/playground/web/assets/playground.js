// The playground page: draws /playground/state, redraws when /playground/stream says the workspace
// changed, and sends what the person types and clicks to the server, which hands it to the real bot as
// signed Slack requests. Message HTML comes rendered (and escaped) by the server.

const view = {
  me: localStorage.getItem('pw-acting-as') || '',
  channel: new URLSearchParams(location.hash.slice(1)).get('channel') || '',
  thread: new URLSearchParams(location.hash.slice(1)).get('thread') || '',
  state: undefined,
};

const $ = (id) => document.getElementById(id);

function rememberPlace() {
  const params = new URLSearchParams();
  if (view.channel) params.set('channel', view.channel);
  if (view.thread) params.set('thread', view.thread);
  history.replaceState(null, '', `#${params.toString()}`);
}

function showError(text) {
  const box = $('pw-error');
  box.textContent = text;
  box.hidden = !text;
}

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok || !answer.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  if (answer.delivered && !answer.delivered.ok) {
    throw new Error(`Pipewright did not take it (HTTP ${answer.delivered.status}); see the terminal`);
  }
  return answer;
}

let loading;
let again = false;
async function load() {
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    const asked = { user: view.me, channel: view.channel, thread: view.thread };
    const response = await fetch(`/playground/state?${new URLSearchParams(asked)}`);
    if (!response.ok) throw new Error(`could not load the playground (HTTP ${response.status})`);
    const state = await response.json();
    // The person switched user, channel or thread while this was loading: drawing it would undo that
    // choice; the load queued by the switch draws the right one.
    if (asked.user !== view.me || asked.channel !== view.channel || asked.thread !== view.thread) {
      again = true;
      return;
    }
    draw(state);
  })()
    .then(() => showError(''))
    .catch((err) => showError(String(err.message || err)))
    .finally(() => {
      loading = undefined;
      if (again) {
        again = false;
        load();
      }
    });
  return loading;
}

function drawPeople(state) {
  const select = $('pw-acting-as');
  select.replaceChildren(
    ...state.people.map((p) => {
      const option = document.createElement('option');
      option.value = p.id;
      option.textContent = p.label;
      option.selected = p.id === state.me;
      return option;
    }),
  );
}

function drawChannels(state) {
  $('pw-channels').replaceChildren(
    ...state.channels.map((c) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = c.label;
      button.setAttribute('aria-current', String(c.id === state.channel.id));
      button.addEventListener('click', () => {
        view.channel = c.id;
        view.thread = '';
        rememberPlace();
        load();
      });
      item.append(button);
      return item;
    }),
  );
  $('pw-channel-name').textContent = state.channel.label;
  $('pw-message').placeholder = state.channel.label.startsWith('#')
    ? `Message ${state.channel.label}: start with @pipewright and what you want built`
    : `Message ${state.channel.label}: say what you want built`;
}

// Rows are kept and updated in place, keyed by ts: replacing them on every change would swallow a click
// that lands while the list redraws, and lose text selection.
function messageRow(message, inThread, existing) {
  const row = existing ?? document.createElement('div');
  if (!existing) {
    row.className = 'pw-row';
    row.dataset.ts = message.ts;
  }
  row.dataset.ephemeral = String(message.ephemeral);
  let body = row.querySelector(':scope > .pw-row-body');
  if (!body) {
    body = document.createElement('div');
    body.className = 'pw-row-body';
    row.prepend(body);
  }
  if (body.dataset.html !== message.html) {
    body.innerHTML = message.html; // rendered and escaped by the server (src/playground/web/render)
    body.dataset.html = message.html;
  }
  let replies = row.querySelector(':scope > .pw-replies');
  if (inThread || message.ephemeral) {
    replies?.remove();
    return row;
  }
  if (!replies) {
    replies = document.createElement('div');
    replies.className = 'pw-replies';
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'pw-link';
    open.addEventListener('click', () => {
      view.thread = row.dataset.ts;
      rememberPlace();
      load().then(() => $('pw-reply').focus());
    });
    replies.append(open);
    row.append(replies);
  }
  const label =
    message.replyCount > 0
      ? `${message.replyCount} ${message.replyCount === 1 ? 'reply' : 'replies'}`
      : 'Reply in thread';
  const open = replies.querySelector('button');
  if (open && open.textContent !== label) open.textContent = label;
  return row;
}

function fill(container, messages, inThread) {
  const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  const before = container.childElementCount;
  const rows = new Map([...container.children].map((row) => [row.dataset.ts, row]));
  const wanted = messages.map((m) => messageRow(m, inThread, rows.get(m.ts)));
  for (const row of rows.values()) if (!wanted.includes(row)) row.remove();
  wanted.forEach((row, i) => {
    if (container.children[i] !== row) container.insertBefore(row, container.children[i] ?? null);
  });
  if (nearBottom || before === 0) container.scrollTop = container.scrollHeight;
}

function drawModals(state) {
  $('pw-modals').replaceChildren(
    ...state.modals.map((m) => {
      const backdrop = document.createElement('div');
      backdrop.className = 'pw-modal-backdrop';
      const dialog = document.createElement('div');
      dialog.className = 'pw-modal';
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.innerHTML = m.html;
      const close = document.createElement('button');
      close.type = 'button';
      close.className = 'pw-link';
      close.textContent = 'Close';
      close.addEventListener('click', () =>
        post('/playground/close-modal', { user: view.me, viewId: m.id }).then(load, (e) =>
          showError(e.message),
        ),
      );
      dialog.append(close);
      backdrop.append(dialog);
      return backdrop;
    }),
  );
}

function draw(state) {
  view.state = state;
  view.me = state.me;
  view.channel = state.channel.id;
  document.title = `${state.channel.label} · Pipewright playground`;
  $('pw-team').textContent = state.team;
  drawPeople(state);
  drawChannels(state);
  fill($('pw-messages'), state.messages, false);
  const pane = $('pw-thread');
  if (state.thread) {
    pane.hidden = false;
    fill($('pw-thread-messages'), state.thread.messages, true);
  } else {
    pane.hidden = true;
    view.thread = '';
  }
  const home = $('pw-home');
  home.hidden = !state.home;
  if (state.home) home.innerHTML = state.home;
  drawModals(state);
}

async function say(textarea, threadTs) {
  const text = textarea.value.trim();
  if (!text) return;
  textarea.disabled = true;
  try {
    const body = { user: view.me, channel: view.channel, text };
    if (threadTs) body.threadTs = threadTs;
    await post('/playground/say', body);
    textarea.value = '';
    showError('');
  } catch (err) {
    showError(`Not sent: ${err.message}`);
  } finally {
    textarea.disabled = false;
    textarea.focus();
  }
  load();
}

function composer(formId, textareaId, threadOf) {
  const form = $(formId);
  const textarea = $(textareaId);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    say(textarea, threadOf());
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      say(textarea, threadOf());
    }
  });
}

document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action-id]');
  if (!button || button.disabled) return;
  const row = button.closest('.pw-row');
  if (!row) return;
  const inThread = Boolean(button.closest('#pw-thread'));
  const body = {
    user: view.me,
    channel: view.channel,
    messageTs: row.dataset.ts,
    actionId: button.dataset.actionId,
    value: button.dataset.value || '',
    label: button.textContent.trim().slice(0, 75),
    ephemeral: row.dataset.ephemeral === 'true',
  };
  if (button.dataset.blockId) body.blockId = button.dataset.blockId;
  if (inThread && view.thread) body.threadTs = view.thread;
  button.disabled = true;
  post('/playground/click', body)
    .catch((err) => showError(`Click not delivered: ${err.message}`))
    .finally(() => {
      button.disabled = false;
      load();
    });
});

document.addEventListener('DOMContentLoaded', () => {
  composer('pw-composer', 'pw-message', () => '');
  composer('pw-reply-composer', 'pw-reply', () => view.thread);
  $('pw-acting-as').addEventListener('change', (event) => {
    view.me = event.target.value;
    localStorage.setItem('pw-acting-as', view.me);
    load();
  });
  $('pw-close-thread').addEventListener('click', () => {
    view.thread = '';
    rememberPlace();
    load();
  });
  const stream = new EventSource('/playground/stream');
  let pending;
  stream.onmessage = () => {
    clearTimeout(pending);
    pending = setTimeout(load, 60);
  };
  // After a lost connection the browser reconnects by itself; redraw so nothing missed stays missing.
  stream.onopen = () => load();
  load();
});
