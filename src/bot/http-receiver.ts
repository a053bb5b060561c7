import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  type App,
  type BufferedIncomingMessage,
  defaultBodyLimit,
  HTTPModuleFunctions,
  HTTPReceiver,
  type HTTPReceiverOptions,
  isRawBodyError,
} from '@slack/bolt';
import { type DispatchDeps, dispatchSlackRequest } from './dispatch.js';
import { screenSignedRequest } from './request-screen.js';

const DEFAULT_ENDPOINT = '/slack/events';

/**
 * Bolt's HTTP receiver with what it lacks in front of it. A POST to the events endpoint is read and
 * checked with Bolt's own signature verification first; a request that fails it goes on to Bolt untouched,
 * which refuses it as it always does. A correctly signed one is then screened (request-screen.ts): a
 * timestamp from the future or a body Bolt cannot dispatch is refused with a 4xx here, so it never reaches
 * Bolt. Everything that passes goes to Bolt, which verifies the signature again and dispatches it through
 * dispatch.ts, where an app_rate_limited notice or a request no listener handles is acked as well.
 */
export class ScreenedHTTPReceiver extends HTTPReceiver {
  private readonly eventPaths: string[];

  constructor(
    private readonly options: HTTPReceiverOptions,
    private readonly deps: DispatchDeps,
  ) {
    super(options);
    const { endpoints = DEFAULT_ENDPOINT } = options;
    this.eventPaths = Array.isArray(endpoints) ? endpoints : [endpoints];
    const boltListener = this.requestListener;
    this.requestListener = (req, res) => {
      if (req.method === 'POST' && this.eventPaths.includes(pathOf(req))) {
        this.screen(req, res, boltListener).catch((err: unknown) => {
          deps.log.error({ err }, 'slack request could not be screened');
          if (!res.headersSent) answer(res, 500);
        });
        return;
      }
      // Custom routes and anything else: Bolt as is (it throws for unknown paths; its server answers 404).
      boltListener(req, res);
    };
  }

  override init(app: App): void {
    // Bolt's receiver calls only processEvent on the app; route it through dispatch.ts, the rest as is.
    const dispatching: App = Object.create(app, {
      processEvent: {
        value: (event: Parameters<App['processEvent']>[0]) => dispatchSlackRequest(app, event, this.deps),
      },
    });
    super.init(dispatching);
  }

  private async screen(
    req: IncomingMessage,
    res: ServerResponse,
    boltListener: RequestListener,
  ): Promise<void> {
    let buffered: BufferedIncomingMessage;
    try {
      buffered = await HTTPModuleFunctions.parseAndVerifyHTTPRequest(
        {
          enabled: this.options.signatureVerification ?? true,
          signingSecret: this.options.signingSecret,
          bodyLimit: this.options.bodyLimit ?? defaultBodyLimit,
        },
        req,
      );
    } catch (err) {
      if (isRawBodyError(err)) {
        // The body could not be read (too large, aborted): Bolt cannot read it again either.
        this.deps.log.warn({ err }, 'slack request body could not be read');
        answer(res, (err as { statusCode: number }).statusCode === 413 ? 413 : 400);
        return;
      }
      // The body is buffered on the request: Bolt verifies it again, refuses it and logs why.
      boltListener(req, res);
      return;
    }
    const verdict = screenSignedRequest({
      contentType: req.headers['content-type'],
      rawBody: buffered.rawBody.toString(),
      timestampSeconds: Number(req.headers['x-slack-request-timestamp']),
      nowMs: Date.now(),
    });
    if (verdict.kind === 'refuse') {
      this.deps.log.warn({ status: verdict.status, reason: verdict.reason }, 'signed Slack request refused');
      answer(res, verdict.status);
      return;
    }
    boltListener(buffered, res);
  }
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
