/**
 * Credentials in DELIVERABLES_GIT_URL (`https://user:token@host/…`) must never reach a log line, a Slack
 * message or a report: the repository is always named without them, and git's own messages are scrubbed.
 */

/** The URL with any user name and password taken out; a URL that does not parse is shown as `scp`-like git does. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // `user@host:path` (scp-like ssh) holds no secret but the user name; anything else is shown without `…@`.
    return url.replace(/^[^@/]*:[^@/]*@/, '');
  }
}

/** `text` with the URL's credentials, in any spelling, and any `scheme://user:pass@` taken out. */
export function redactCredentials(text: string, url: string): string {
  let out = text.replaceAll(url, withoutCredentials(url));
  for (const secret of secretsOf(url)) out = out.replaceAll(secret, '***');
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1');
}

function secretsOf(url: string): string[] {
  try {
    const { username, password } = new URL(url);
    const raw = [password, username].filter((s) => s.length >= 3);
    return [...new Set(raw.flatMap((s) => [s, safeDecode(s)]))].sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
