// What the outsider's configuration did to the real process (attack finding 8): a FIFO as --config-file hung the
// start, a --config-dir link to /dev/zero grew to 3.7 GB, a host with a trailing space failed at listen naming no
// key, a User-Agent with CR LF failed every upstream call. Now one start refuses them all at once, naming each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipWithout, commandPath } from '../helpers/process.js';

const MKFIFO = commandPath('mkfifo');

test(
  'spawned: a FIFO, a link to /dev/zero, a spaced host and a CR LF user agent: exit 1, each named',
  {
    skip: skipWithout(MKFIFO, 'mkfifo (coreutils) is not installed'),
  },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-file-'));
    const fifo = path.join(dir, 'fifo.conf');
    execFileSync(MKFIFO, [fifo]);
    const confDir = path.join(dir, 'conf.d');
    fs.mkdirSync(confDir);
    fs.symlinkSync('/dev/zero', path.join(confDir, 'a.conf'));
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/server.ts', '--print-config', '--config-file', fifo, '--config-dir', confDir],
      {
        env: {
          PATH: process.env.PATH,
          OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'pw',
          OS_SERVER__HOST: '0.0.0.0 ',
          OS_COMMUNICATION__USER_AGENT: 'ua\r\nX-Injected: 1',
        },
        encoding: 'utf8',
        // Only a bound on a hung start (the FIFO hung it for good before), generous for a loaded machine.
        timeout: 120_000,
      },
    );
    assert.equal(run.status, 1, `invalid configuration: exit 1, not a hang (${run.signal ?? ''} ${run.stderr})`);
    for (const problem of [
      `${fifo}: not a regular file (a FIFO)`,
      `${path.join(confDir, 'a.conf')}: not a regular file (a device)`,
      'server.host: must not start or end with whitespace (env OS_SERVER__HOST)',
      'communication.user_agent: must not hold control characters (env OS_COMMUNICATION__USER_AGENT)',
    ])
      assert.ok(run.stderr.includes(problem), `stderr names: ${problem}`);
    assert.equal(run.stdout, '', 'no configuration printed');
  },
);
