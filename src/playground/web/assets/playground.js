// The playground page: draws /playground/state, redraws when /playground/stream says the workspace
// changed, and sends what the person types and clicks to the server, which hands it to the real bot as
// signed Slack requests. Message HTML comes rendered (and escaped) by the server.

const place = new URLSearchParams(location.hash.slice(1));
const view = {
  me: localStorage.getItem('pw-acting-as') || '',
  /** 'channel', or 'home': the app's Home tab. */
  place: place.get('place') === 'home' ? 'home' : 'channel',
  channel: new URLSearchParams(location.hash.slice(1)).get('channel') || '',
  thread: new URLSearchParams(location.hash.slice(1)).get('thread') || '',
  state: undefined,
};

const $ = (id) => document.getElementById(id);

function rememberPlace() {
  const params = new URLSearchParams();
  if (view.place === 'home') params.set('place', 'home');
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
      button.setAttribute('aria-current', String(view.place === 'channel' && c.id === state.channel.id));
      button.addEventListener('click', () => {
        view.place = 'channel';
        view.channel = c.id;
        view.thread = '';
        rememberPlace();
        // Opening the app's DM is opening its Messages tab: Slack tells the app (app_home_opened).
        const opened = c.isIm ? openTab('messages') : Promise.resolve();
        opened.finally(load);
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

const SESSION_LABELS = {
  processing: 'Working…',
  suspended: 'Waiting for a person',
  closed: 'Session closed',
  active: 'Active',
};

/** The thread's agent session, as Slack shows it: its status, and Stop while the agent is working. */
function drawSession(session) {
  const chip = $('pw-session');
  chip.hidden = !session;
  chip.textContent = session ? SESSION_LABELS[session.status] || session.status : '';
  $('pw-stop').hidden = session?.status !== 'processing';
}

function openTab(tab) {
  return post('/playground/open-tab', { user: view.me, tab }).catch((err) => showError(err.message));
}

/** The app's suggested requests in its Messages tab: a click sends one, as Slack does. */
function drawPrompts(state) {
  const box = $('pw-prompts');
  const prompts = view.place === 'channel' ? state.channel.prompts || [] : [];
  box.hidden = prompts.length === 0;
  const key = JSON.stringify(prompts);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(
    ...prompts.map((p) => {
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.className = 'pw-prompt';
      chip.textContent = p.title;
      chip.title = p.message;
      chip.addEventListener('click', () => {
        const composer = $('pw-message');
        composer.value = p.message;
        say(composer, '');
      });
      return chip;
    }),
  );
}

function drawHome(state) {
  const home = $('pw-home');
  const atHome = view.place === 'home';
  home.hidden = !atHome;
  $('pw-messages').hidden = atHome;
  $('pw-composer').hidden = atHome;
  $('pw-open-home').setAttribute('aria-current', String(atHome));
  if (!atHome) return;
  $('pw-channel-name').textContent = 'Pipewright · Home';
  $('pw-thread').hidden = true;
  if (home.dataset.html !== (state.home || '')) {
    home.dataset.html = state.home || '';
    if (state.home)
      home.innerHTML = state.home; // rendered and escaped by the server
    else home.textContent = 'Pipewright has not published a Home tab for you yet.';
  }
}

// Modals stay in the page while open (keyed by view id), so what the person types survives redraws.
function drawModals(state) {
  const container = $('pw-modals');
  const open = new Map([...container.children].map((b) => [b.dataset.viewId, b]));
  const wanted = state.modals.map((m) => {
    const existing = open.get(m.id);
    if (existing && existing.dataset.html === m.html) return existing;
    const backdrop = document.createElement('div');
    backdrop.className = 'pw-modal-backdrop';
    backdrop.dataset.viewId = m.id;
    backdrop.dataset.html = m.html;
    const dialog = document.createElement('div');
    dialog.className = 'pw-modal';
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
    dialog.innerHTML = m.html; // rendered and escaped by the server
    const title = dialog.querySelector('.pw-view-title');
    if (title) dialog.setAttribute('aria-label', title.textContent.trim());
    for (const close of dialog.querySelectorAll('[data-view-action="close"]')) {
      close.addEventListener('click', () =>
        post('/playground/close-modal', { user: view.me, viewId: m.id }).then(load, (e) =>
          showError(e.message),
        ),
      );
    }
    for (const submit of dialog.querySelectorAll('[data-view-action="submit"]')) {
      submit.addEventListener('click', () => submitModal(dialog, m.id, submit));
    }
    backdrop.append(dialog);
    return backdrop;
  });
  for (const backdrop of open.values()) if (!wanted.includes(backdrop)) backdrop.remove();
  for (const backdrop of wanted) if (backdrop.parentElement !== container) container.append(backdrop);
  const first = container.querySelector('.pw-input-control');
  if (first && !container.contains(document.activeElement)) first.focus();
}

/** Sends the modal's inputs as Slack's view_submission; the app's `errors` answer shows under each input. */
async function submitModal(dialog, viewId, button) {
  const values = {};
  for (const input of dialog.querySelectorAll('[data-input-block-id]')) {
    const blockId = input.dataset.inputBlockId;
    values[blockId] = { ...(values[blockId] || {}), [input.dataset.inputActionId]: input.value };
  }
  for (const box of dialog.querySelectorAll('[data-error-for]')) box.textContent = '';
  button.disabled = true;
  try {
    const answer = await post('/playground/view-submit', { user: view.me, viewId, values });
    for (const [blockId, message] of Object.entries(answer.errors || {})) {
      const box = [...dialog.querySelectorAll('[data-error-for]')].find(
        (b) => b.dataset.errorFor === blockId,
      );
      if (box) box.textContent = message;
    }
  } catch (err) {
    showError(`Not submitted: ${err.message}`);
  } finally {
    button.disabled = false;
    load();
  }
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
    drawSession(state.thread.session);
  } else {
    pane.hidden = true;
    view.thread = '';
  }
  drawHome(state);
  drawPrompts(state);
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

/** A Slack link to a message (…/archives/C…/p1700000000000100[?thread_ts=…]): where it points here. */
function messageLinkTarget(href) {
  const match = /\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})/.exec(href);
  if (!match) return undefined;
  const threadTs = new URL(href, location.href).searchParams.get('thread_ts');
  return { channel: match[1], thread: threadTs || `${match[2]}.${match[3]}` };
}

document.addEventListener('click', (event) => {
  // Links to Slack messages (App Home, DMs about a gate) open the thread here instead of on slack.com.
  const link = event.target.closest('a[href]');
  const target = link ? messageLinkTarget(link.getAttribute('href')) : undefined;
  if (target) {
    event.preventDefault();
    view.place = 'channel';
    view.channel = target.channel;
    view.thread = target.thread;
    rememberPlace();
    load();
    return;
  }
  const button = event.target.closest('button[data-action-id]');
  if (!button || button.disabled) return;
  const inView = button.closest('[data-view-id]');
  if (inView) {
    clickInView(button, inView.dataset.viewId);
    return;
  }
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

/** A button in the Home tab or a modal: Slack sends block_actions with the view as container. */
function clickInView(button, viewId) {
  const body = {
    user: view.me,
    viewId,
    actionId: button.dataset.actionId,
    blockId: button.dataset.blockId || '',
    value: button.dataset.value || '',
    label: button.textContent.trim().slice(0, 75),
  };
  button.disabled = true;
  post('/playground/view-click', body)
    .catch((err) => showError(`Click not delivered: ${err.message}`))
    .finally(() => {
      button.disabled = false;
      load();
    });
}

document.addEventListener('DOMContentLoaded', () => {
  composer('pw-composer', 'pw-message', () => '');
  composer('pw-reply-composer', 'pw-reply', () => view.thread);
  $('pw-acting-as').addEventListener('change', (event) => {
    view.me = event.target.value;
    localStorage.setItem('pw-acting-as', view.me);
    load();
  });
  $('pw-open-home').addEventListener('click', () => {
    view.place = 'home';
    view.thread = '';
    rememberPlace();
    openTab('home').finally(load);
  });
  $('pw-stop').addEventListener('click', () => {
    post('/playground/stop', { user: view.me, channel: view.channel, threadTs: view.thread })
      .catch((err) => showError(`Stop not delivered: ${err.message}`))
      .finally(load);
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
