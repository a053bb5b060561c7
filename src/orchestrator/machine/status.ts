// The status view is pure and also drawn outside a thread (App Home, `/pipewright`): it lives in the domain.
export { statusView } from '../../domain/status-view.js';
