// The contract suites run in one process, one after the other. npm test runs two files at a time, and the real
// Keystone (22, under gunicorn threads) mixes up the tokens of concurrent callers: its AuthContextMiddleware
// keeps the caller's token on an instance that a worker's threads share. Two suites creating users and
// credentials at once then get each other's 400s and 403s. Importing both here keeps the real OpenStack to one
// test file; each suite keeps its own fixtures and hooks.
import './real-openstack.suite.js';
import './access-rules.suite.js';
