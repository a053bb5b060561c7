/**
 * The playground's HTML shell. Everything inside it is drawn by /playground/playground.js from
 * /playground/state; the shell carries the landmarks and the accessible names people and tests rely on:
 * "Acting as" (who is typing), "Message" (the channel composer), "Reply" (the thread composer).
 */
export function pageHtml(opts: { offline: boolean }): string {
  const badge = opts.offline
    ? '<span class="pw-badge pw-badge-offline" title="No ANTHROPIC_API_KEY: an offline model answers, locally and for free">Offline model</span>'
    : '<span class="pw-badge">Claude</span>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pipewright playground</title>
<link rel="stylesheet" href="/playground/playground.css">
<script src="/playground/playground.js" defer></script>
</head>
<body>
<header class="pw-top">
  <div class="pw-brand"><strong>Pipewright</strong> <span class="pw-muted">local playground</span> ${badge}</div>
  <div class="pw-acting"><label for="pw-acting-as">Acting as</label> <select id="pw-acting-as"></select></div>
</header>
<div class="pw-layout">
  <nav class="pw-sidebar" aria-label="Channels">
    <div class="pw-team" id="pw-team">Playground</div>
    <ul id="pw-channels"></ul>
    <div class="pw-section">Apps</div>
    <ul><li><button type="button" id="pw-open-home">Pipewright · Home</button></li></ul>
    <p class="pw-hint">Everything here goes through the real bot: signed Slack events, the real queues and agents, a Slack stand-in that keeps this workspace in Redis.</p>
  </nav>
  <main class="pw-channel" aria-labelledby="pw-channel-name">
    <h1 id="pw-channel-name" class="pw-channel-name">#ml-projects</h1>
    <section id="pw-home" class="pw-home" aria-label="Home tab" hidden></section>
    <div id="pw-messages" class="pw-messages" aria-live="polite"></div>
    <section id="pw-prompts" class="pw-prompts" aria-label="Suggested prompts" hidden></section>
    <form id="pw-composer" class="pw-composer">
      <textarea id="pw-message" aria-label="Message" rows="2" placeholder="@pipewright build a churn model for our subscription data"></textarea>
      <button type="submit" class="pw-send">Send</button>
    </form>
    <p id="pw-error" class="pw-error" role="alert" hidden></p>
  </main>
  <aside id="pw-thread" class="pw-thread" aria-label="Thread" hidden>
    <div class="pw-thread-head"><h2>Thread</h2><span id="pw-session" class="pw-session" hidden></span><button type="button" id="pw-stop" class="pw-stop" hidden>Stop</button><button type="button" id="pw-close-thread" class="pw-link">Close thread</button></div>
    <div id="pw-thread-messages" class="pw-messages" aria-live="polite"></div>
    <form id="pw-reply-composer" class="pw-composer">
      <textarea id="pw-reply" aria-label="Reply" rows="2" placeholder="Reply…"></textarea>
      <button type="submit" class="pw-send">Send reply</button>
    </form>
  </aside>
</div>
<div id="pw-modals"></div>
</body>
</html>
`;
}
