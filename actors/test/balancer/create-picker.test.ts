// createPicker: one picker per balance strategy, with the config's options.
import assert from 'node:assert/strict';
import type { BalanceStrategy } from '@switchyard/config';
import { ConsistentHashPicker } from '../../src/balancer/consistent-hash-picker.js';
import { createPicker, type PickerConfig } from '../../src/balancer/create-picker.js';
import { FirstPicker } from '../../src/balancer/first-picker.js';
import { LeastConnectionsPicker } from '../../src/balancer/least-connections-picker.js';
import { LeastRequestPicker } from '../../src/balancer/least-request-picker.js';
import { RandomPicker } from '../../src/balancer/random-picker.js';
import { RoundRobinPicker } from '../../src/balancer/round-robin-picker.js';
import { StickyCookiePicker } from '../../src/balancer/sticky-cookie-picker.js';
import { ANY_REQUEST, numberedTargets, sequence, targets } from './picker-fixtures.js';
import { StaticPickRequest } from './static-pick-request.js';

const BASE: PickerConfig = { balance: 'round-robin', hashKey: 'source-ip', stickyCookie: { name: 'sy' }, choices: 2, boundedLoad: undefined };

describe('createPicker', () => {
  const kinds: { balance: BalanceStrategy; kind: abstract new (...args: never[]) => unknown }[] = [
    { balance: 'round-robin', kind: RoundRobinPicker },
    { balance: 'least-connections', kind: LeastConnectionsPicker },
    { balance: 'least-request', kind: LeastRequestPicker },
    { balance: 'random', kind: RandomPicker },
    { balance: 'consistent-hash', kind: ConsistentHashPicker },
    { balance: 'sticky-cookie', kind: StickyCookiePicker },
    { balance: 'first', kind: FirstPicker },
  ];
  for (const { balance, kind } of kinds) {
    it(`builds a ${kind.name} for balance: ${balance}`, () => {
      assert.ok(createPicker({ ...BASE, balance }, targets(['a'])) instanceof kind);
    });
  }

  it('only the sticky-cookie picker offers stickyCookie', () => {
    for (const { balance } of kinds) {
      assert.equal(typeof createPicker({ ...BASE, balance }, targets(['a'])).stickyCookie === 'function', balance === 'sticky-cookie', balance);
    }
  });

  it('passes the seed to randomized pickers', () => {
    const all = numberedTargets(8);
    for (const balance of ['random', 'least-request'] as const) {
      const one = sequence(createPicker({ ...BASE, balance }, all, { seed: 5 }), 40);
      assert.deepEqual(sequence(createPicker({ ...BASE, balance }, all, { seed: 5 }), 40), one, balance);
    }
  });

  it('passes hashKey, boundedLoad, stickyCookie and choices through', () => {
    const all = numberedTargets(4);
    const hashing = createPicker({ ...BASE, balance: 'consistent-hash', hashKey: 'header:x-user', boundedLoad: 1 }, all);
    const request = new StaticPickRequest({ headers: { 'x-user': 'u1' } });
    const home = hashing.pick(request);
    assert.equal(hashing.pick(new StaticPickRequest({ headers: { 'x-user': 'u1' }, sourceIp: '10.9.9.9' })), home);
    if (home !== undefined) home.inflight = 1;
    assert.notEqual(hashing.pick(request), home, 'boundedLoad 1 with 1 of 2 in flight on home');

    const sticky = createPicker({ ...BASE, balance: 'sticky-cookie', stickyCookie: { name: 'lb', maxAge: 60_000 } }, all);
    assert.match(sticky.stickyCookie?.(ANY_REQUEST, all[0] as (typeof all)[0]) ?? '', /^lb=[0-9a-f]{16}; Path=\/; HttpOnly; Max-Age=60$/);
  });
});
