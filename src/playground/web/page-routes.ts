import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { BadRequestError, PAGE_SECURITY_HEADERS, queryOf, sendJson } from './http.js';
import { pageHtml } from './page.js';
import { buildPageState } from './page-state.js';
import { guarded, type PlaygroundRoute, type PlaygroundRouteDeps, SLACK_ID } from './route-kit.js';

/** The page itself: its shell and assets, what one person sees, the live change stream, file downloads. */

const ASSETS = {
  script: readFileSync(new URL('./assets/playground.js', import.meta.url), 'utf8'),
  layoutCss: readFileSync(new URL('./assets/layout.css', import.meta.url), 'utf8'),
};

export function pageRoutes(deps: PlaygroundRouteDeps): PlaygroundRoute[] {
  return [
    {
      path: '/',
      method: ['GET'],
      handler: (_req, res) => {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...PAGE_SECURITY_HEADERS })
          .end(pageHtml({ offline: deps.offline }));
      },
    },
    {
      path: '/playground/playground.js',
      method: ['GET'],
      handler: (_req, res) => {
        res
          .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', ...PAGE_SECURITY_HEADERS })
          .end(ASSETS.script);
      },
    },
    {
      path: '/playground/playground.css',
      method: ['GET'],
      handler: (_req, res) => {
        res
          .writeHead(200, { 'content-type': 'text/css; charset=utf-8', ...PAGE_SECURITY_HEADERS })
          .end(`${ASSETS.layoutCss}\n${deps.messageCss}`);
      },
    },
    {
      path: '/playground/state',
      method: ['GET'],
      handler: guarded(deps, async (req, res) => {
        const query = queryOf(req);
        const me = SLACK_ID.safeParse(query.get('user') ?? '');
        const people = (await deps.workspace.users()).filter((u) => !u.isBot);
        const user = people.find((u) => me.success && u.id === me.data) ?? people[0];
        if (!user) throw new BadRequestError('the playground workspace has nobody in it');
        const state = await buildPageState(
          deps.workspace,
          deps.renderer,
          {
            me: user.id,
            channel: query.get('channel') ?? undefined,
            thread: query.get('thread') ?? undefined,
          },
          {
            offline: deps.offline,
            botUserId: deps.app.botUserId,
            fileUrl: (id) => `/playground/files/${id}`,
          },
        );
        sendJson(res, 200, state);
      }),
    },
    {
      path: '/playground/stream',
      method: ['GET'],
      handler: (req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write('retry: 1000\n\n');
        const unsubscribe = deps.workspace.subscribe((change) => {
          res.write(`data: ${JSON.stringify(change)}\n\n`);
        });
        // Proxies and browsers drop a silent stream; a comment every 15 s keeps it open.
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        heartbeat.unref();
        req.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
        });
      },
    },
    {
      path: '/playground/files/:id',
      method: ['GET'],
      handler: guarded(deps, async (req, res) => {
        const id = pathParam(req, 'id');
        const found = await deps.workspace.file(id);
        if (!found) throw new BadRequestError('no such file', 404);
        const inlineImage = /^image\/(png|jpeg|gif|webp)$/.test(found.file.mimetype);
        res
          .writeHead(200, {
            // Anything but a plain image downloads, so no uploaded HTML or SVG ever runs on this origin.
            'content-type': inlineImage ? found.file.mimetype : 'application/octet-stream',
            'content-disposition': `${inlineImage ? 'inline' : 'attachment'}; filename="${asciiFilename(found.file.name)}"; filename*=UTF-8''${encodeURIComponent(found.file.name)}`,
            'content-length': String(found.content.length),
            ...PAGE_SECURITY_HEADERS,
          })
          .end(found.content);
      }),
    },
  ];
}

/** Bolt's custom routes put path parameters on the request (`params`). */
function pathParam(req: IncomingMessage, name: string): string {
  const params: unknown = (req as { params?: unknown }).params;
  const value =
    typeof params === 'object' && params !== null ? (params as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

function asciiFilename(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/g, '_');
}
