// Superseded by logs.ts, mocks.ts, service.ts, http.ts and net.ts. Only test/keystoneauth/session.test.ts
// (being rewritten on another branch of work) still imports captureLogger from here: delete this file once
// it imports ./logs.js.
export { captureLogger } from './logs.js';
