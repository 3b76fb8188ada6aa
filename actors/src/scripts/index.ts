// Scripted routing actors: the API routers are written against, the test kit, and the runtime's events.
export {
  defineRouter,
  ROUTER_EVENT_TYPES,
  type RouterDefinition,
  type RouterRequest,
  type RouterTlsInfo,
  type RouterContext,
  type RouterLogger,
  type RouterLogFields,
  type RouterMetrics,
  type RouterEvents,
  type RouterEventType,
  type RouterEventHandlers,
  type RouterDecision,
  type ForwardDecision,
  type ForwardToUpstream,
  type ForwardToTarget,
  type SplitDecision,
  type RedirectDecision,
  type RespondDecision,
  type RewriteDecision,
  type NextDecision,
  type RequestRewrite,
  type RouterSelfTest,
  type TestRequestInit,
} from './router-api.js';
export { testRouter, createTestRouter, type TestRouter, type TestRouterOptions, type TestEvent, type RouterUnderTest } from './test-router.js';
export { ScriptLoadError, type ScriptProblem } from './script-loader.js';
export { decisionKey } from './decision-check.js';
export {
  ScriptLoaded,
  ScriptReloadFailed,
  ScriptFailed,
  ScriptFailureReason,
  ScriptShadowDisagreed,
  PromoteScript,
  ScriptLogged,
  ScriptStats,
} from './script.messages.js';
