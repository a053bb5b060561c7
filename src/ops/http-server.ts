import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type OpsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A small HTTP server for operator routes: the worker's /healthz and /metrics (the bot serves them through
 * Bolt), and /metrics alone on METRICS_PORT when that is set.
 * Resolves with the port actually listened on.
 */
export async function startOpsServer(
  port: number,
  routes: Record<string, OpsHandler>,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = req.method === 'GET' ? routes[path] : undefined;
    if (handler) handler(req, res);
    else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not_found' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}
