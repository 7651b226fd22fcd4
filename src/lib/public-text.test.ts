import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scrubPublicText } from './public-text.js';

describe('scrubPublicText', () => {
  const failures: ReadonlyArray<{ what: string; text: string; shown: string }> = [
    {
      what: 'a refused connection to a loopback port',
      text: 'connect ECONNREFUSED 127.0.0.1:4321',
      shown: 'connect ECONNREFUSED [internal address]',
    },
    {
      what: 'a refused connection over IPv6',
      text: 'connect ECONNREFUSED ::1:4321',
      shown: 'connect ECONNREFUSED [internal address]',
    },
    {
      what: 'a gateway URL in a fetch failure, keeping the end of the sentence',
      text: 'request to https://llm-gateway.internal:8443/v1/messages?beta=true failed, reason: socket hang up.',
      shown: 'request to [internal address] failed, reason: socket hang up.',
    },
    {
      what: 'a host name the resolver did not know',
      text: 'getaddrinfo ENOTFOUND forge.corp.internal',
      shown: 'getaddrinfo ENOTFOUND [internal address]',
    },
    {
      what: 'a database URL and its host:port',
      text: 'could not reach postgres://claude_hooks:***@db.internal:5432/hooks (timeout to db.internal:5432)',
      shown: 'could not reach [internal address] (timeout to [internal address])',
    },
    {
      what: 'a host:port without a dot, as in a compose network',
      text: 'Connection terminated unexpectedly while talking to db:5432',
      shown: 'Connection terminated unexpectedly while talking to [internal address]',
    },
    {
      what: 'a unix socket path',
      text: 'connect ENOENT /var/run/egress-proxy.sock',
      shown: 'connect ENOENT [path]',
    },
    {
      what: 'a unix socket path after unix:',
      text: 'the sandbox could not reach unix:/run/claude-hooks/proxy.sock',
      shown: 'the sandbox could not reach unix:[path]',
    },
    {
      what: 'a file in the data dir',
      text: "EACCES: permission denied, open '/srv/claude-hooks/data/claude/projects/-srv-wt-dev/9f1c.jsonl'",
      shown: "EACCES: permission denied, open '[path]'",
    },
    {
      what: 'a stack frame with its line and column',
      text: 'TypeError: x is undefined at run (/opt/claude-hooks/dist/agent/claude/claude-runner.js:312:45)',
      shown: 'TypeError: x is undefined at run ([path])',
    },
    {
      what: 'a home directory path',
      text: 'no credentials in ~/.claude/.credentials.json.',
      shown: 'no credentials in [path].',
    },
    {
      what: 'a bracketed IPv6 address with a port, and a bare IPv4 one',
      text: 'proxy [fd00::12]:3128 refused, then 10.1.2.3 timed out',
      shown: 'proxy [internal address] refused, then [internal address] timed out',
    },
    {
      what: 'a full IPv6 address',
      text: 'no route to 2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      shown: 'no route to [internal address]',
    },
    {
      what: 'an IPv6 address with the port Node writes after it',
      text: 'connect EHOSTUNREACH 2001:db8:85a3::8a2e:370:7334:443 - Local (:::0)',
      shown: 'connect EHOSTUNREACH [internal address] - Local ([internal address])',
    },
    {
      what: 'localhost with a port',
      text: 'the model gateway at localhost:4000 answered 502',
      shown: 'the model gateway at [internal address] answered 502',
    },
    {
      what: 'a git remote written scp-like',
      text: 'fatal: could not read from git@forge.internal:acme/widget.git',
      shown: 'fatal: could not read from [internal address]',
    },
  ];
  for (const { what, text, shown } of failures) {
    it(`hides ${what}`, () => {
      assert.equal(scrubPublicText(text), shown);
    });
  }

  const kept: ReadonlyArray<{ what: string; text: string }> = [
    { what: 'a budget message', text: 'spent $1.02 of $1.00; the per-issue budget is reached' },
    { what: 'a model status code', text: 'model API answered 529: overloaded' },
    {
      what: 'a forge API request path',
      text: 'forge API POST /repos/acme/widget/issues/3/comments failed with 403: forbidden',
    },
    {
      what: 'where the forge API lives',
      text: "GET /user answered 404: check that forge.url is the forge's web address (the API is under /api/v1)",
    },
    {
      what: 'an ISO timestamp and a time of day',
      text: 'last run 2026-12-01T03:00:00.000Z: all 23 checks passed at 12:30:45',
    },
    {
      what: 'a repository, a branch and a relative file',
      text: 'acme/widget: issue-12-login-fails pushed src/login.ts:12, README.md:40 and ./data/x',
    },
    { what: 'the words after a socket error code', text: 'read ECONNRESET while the run was streaming' },
    { what: 'a version number and a ratio', text: 'git 2.43.0, 3/4 done, issue:3, and/or' },
    { what: 'the other placeholders', text: '[redacted] [path] [internal address]' },
  ];
  for (const { what, text } of kept) {
    it(`keeps ${what}`, () => {
      assert.equal(scrubPublicText(text), text);
    });
  }
});
