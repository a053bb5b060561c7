# syntax=docker/dockerfile:1

# Pipewright: Slack bot + BullMQ worker, run as TypeScript through tsx.
#
#   docker build -t pipewright .
#   docker run --init --env-file .env -p 3000:3000 --stop-timeout 30 pipewright
#
# `npm start` (tsx src/app/main.ts all) runs the bot and the worker together in one process.
# To split them, run two containers from this image with:
#   CMD ["npm", "run", "start:bot"]     Slack listeners and outbox (needs SLACK_* vars)
#   CMD ["npm", "run", "start:worker"]  orchestrator and agents (needs ANTHROPIC_API_KEY)
# Both serve GET /healthz and GET /metrics on PORT, so the HEALTHCHECK below works for either.
# On SIGTERM the app finishes in-flight jobs for up to 25 s, longer than Docker's default 10 s stop
# timeout: give it `--stop-timeout 30` (compose: `stop_grace_period: 30s`).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: production dependencies only ----------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No build step: the app runs its TypeScript directly through tsx, which is a production
# dependency, so `--omit=dev` leaves everything needed at runtime (typescript/vitest/biome are dev-only).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# NPM_CONFIG_SCRIPT_SHELL: npm runs scripts with `sh -c`; Debian's sh (dash) neither execs the command nor
# passes on the SIGTERM npm forwards to it, so on `docker stop` tsx and the app would be orphaned and SIGKILLed
# without their graceful shutdown. bash -c execs a single command, so the chain is npm -> tsx -> node and
# the SIGTERM reaches the app (tsx relays it to its child).
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_SCRIPT_SHELL=/bin/bash
WORKDIR /app

# The `node` user (uid 1000) ships with the official Node images.
COPY --chown=node:node --from=deps /app/node_modules ./node_modules
COPY --chown=node:node package.json tsconfig.json ./
COPY --chown=node:node src ./src

USER node

# POST /slack/events (HTTP mode), GET /healthz and GET /metrics listen on PORT (default 3000);
# in Socket Mode (SLACK_APP_TOKEN set) only /healthz and /metrics are served there.
EXPOSE 3000

# No curl in slim images: probe with node's built-in fetch. /healthz answers 200 when Redis answers a PING,
# 503 when it does not. Shell form so ${PORT:-3000} is expanded from the container's environment.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:${PORT:-3000}/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

STOPSIGNAL SIGTERM

# npm forwards SIGTERM to tsx (see NPM_CONFIG_SCRIPT_SHELL above) and exits when the app does. npm does not
# reap orphaned processes as PID 1 would; `docker run --init` (compose `init: true`) adds an init that does.
CMD ["npm", "start"]
