/** The loopback HTTP helpers live with the product's Slack stand-in; the test stand-ins share them. */
export { closeServer, listenOnLoopback, readRaw } from '../../src/playground/slack-api/http.js';
