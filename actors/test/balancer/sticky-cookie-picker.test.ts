// sticky-cookie: pins new clients, honours pins, re-pins when the pinned target is gone.
import assert from 'node:assert/strict';
import { StickyCookiePicker, stickyCookieId } from '../../src/balancer/sticky-cookie-picker.js';
import { ANY_REQUEST, nameOf, targets, type TestTarget } from './picker-fixtures.js';
import { StaticPickRequest } from './static-pick-request.js';

const NAME = 'sy';

function pinnedTo(target: TestTarget, name = NAME): StaticPickRequest {
  return new StaticPickRequest({ cookies: { [name]: stickyCookieId(target.address), other: 'x' } });
}

describe('sticky-cookie picker', () => {
  it('sends new clients round robin and pins each to the target it got', () => {
    const all = targets(['a', 'b', 'c']);
    const picker = new StickyCookiePicker(all, { name: NAME });
    const got = Array.from({ length: 4 }, () => picker.pick(ANY_REQUEST) as TestTarget);
    assert.deepEqual(got.map(nameOf), ['a', 'b', 'c', 'a']);
    for (const target of got) assert.equal(picker.stickyCookie(ANY_REQUEST, target), `${NAME}=${stickyCookieId(target.address)}; Path=/; HttpOnly`);
  });

  it('honours a pin on every request and sends no new cookie', () => {
    const all = targets(['a', 'b', 'c']);
    const b = all[1] as TestTarget;
    const picker = new StickyCookiePicker(all, { name: NAME });
    for (let k = 0; k < 20; k++) {
      assert.equal(picker.pick(pinnedTo(b)), b);
      assert.equal(picker.stickyCookie(pinnedTo(b), b), undefined);
    }
  });

  const repins: { name: string; cookie: (gone: TestTarget) => string }[] = [
    { name: 'its target left the picker (removed or unhealthy)', cookie: (gone) => stickyCookieId(gone.address) },
    { name: 'the value names no target', cookie: () => 'not-a-target' },
    { name: 'the value is the raw address', cookie: (gone) => gone.address },
  ];
  for (const { name, cookie } of repins) {
    it(`re-pins a client when ${name}`, () => {
      const all = targets(['a', 'b', 'c']);
      const gone = all[1] as TestTarget;
      const picker = new StickyCookiePicker(all.filter((t) => t !== gone), { name: NAME });
      const request = new StaticPickRequest({ cookies: { [NAME]: cookie(gone) } });
      const target = picker.pick(request) as TestTarget;
      assert.notEqual(target, gone);
      assert.equal(picker.stickyCookie(request, target), `${NAME}=${stickyCookieId(target.address)}; Path=/; HttpOnly`);
    });
  }

  const busy: { name: string; makeBusy: (pinned: TestTarget) => TestTarget[] }[] = [
    {
      name: 'at maxConnections',
      makeBusy: (pinned) => {
        pinned.maxConnections = 1;
        pinned.inflight = 1;
        return [];
      },
    },
    { name: 'excluded by a retry', makeBusy: (pinned) => [pinned] },
  ];
  for (const { name, makeBusy } of busy) {
    it(`serves a client elsewhere but keeps its pin when its target is ${name}`, () => {
      const all = targets(['a', 'b', 'c']);
      const pinned = all[0] as TestTarget;
      // Caps are part of the picker (copied when it is built), so the target is made busy first.
      const excluded = makeBusy(pinned);
      const picker = new StickyCookiePicker(all, { name: NAME });
      const target = picker.pickExcluding(pinnedTo(pinned), excluded) as TestTarget;
      assert.ok(target !== undefined && target !== pinned);
      assert.equal(picker.stickyCookie(pinnedTo(pinned), target), undefined);
    });
  }

  const maxAges: { maxAge: number | undefined; expected: string }[] = [
    { maxAge: undefined, expected: '; Path=/; HttpOnly' },
    { maxAge: 3_600_000, expected: '; Path=/; HttpOnly; Max-Age=3600' },
    { maxAge: 1500, expected: '; Path=/; HttpOnly; Max-Age=2' },
  ];
  for (const { maxAge, expected } of maxAges) {
    it(`writes Max-Age in whole seconds, rounded up: ${String(maxAge)} ms → "${expected}"`, () => {
      const all = targets(['a']);
      const picker = new StickyCookiePicker(all, { name: 'route', maxAge });
      assert.equal(picker.stickyCookie(ANY_REQUEST, all[0] as TestTarget), `route=${stickyCookieId('a:80')}${expected}`);
    });
  }

  it('reads and writes its own cookie name only', () => {
    const all = targets(['a', 'b']);
    const b = all[1] as TestTarget;
    const picker = new StickyCookiePicker(all, { name: 'route' });
    assert.equal(picker.pick(pinnedTo(b, 'route')), b);
    assert.equal(nameOf(picker.pick(pinnedTo(b, 'other'))), 'a');
  });

  it('gives no cookie for a target it does not hold', () => {
    const picker = new StickyCookiePicker(targets(['a']), { name: NAME });
    assert.equal(picker.stickyCookie(ANY_REQUEST, targets(['z'])[0] as TestTarget), undefined);
  });

  it('names targets with an opaque, stable, distinct id instead of their address', () => {
    const addresses = Array.from({ length: 2000 }, (_, i) => `10.1.${i >> 8}.${i & 255}:8080`);
    const ids = addresses.map(stickyCookieId);
    assert.equal(new Set(ids).size, addresses.length);
    for (const [i, id] of ids.entries()) {
      assert.match(id, /^[0-9a-f]{16}$/);
      assert.equal(stickyCookieId(addresses[i] as string), id);
    }
    assert.equal(stickyCookieId('10.0.0.1:8080'), stickyCookieId('10.0.0.1:8080'));
  });
});
