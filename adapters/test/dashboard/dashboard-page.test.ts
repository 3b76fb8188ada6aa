import assert from 'node:assert/strict';
import { request, startFixture, type Fixture } from '../admin/admin-fixture.js';

describe('dashboard page', () => {
  describe('without a token', () => {
    let fx: Fixture;
    before(async () => {
      fx = await startFixture();
    });
    after(() => fx.close());

    it('is served at / and /dashboard as one self-contained HTML page with a strict CSP', async () => {
      for (const path of ['/', '/dashboard']) {
        const res = await request(`${fx.adminUrl}${path}`);
        assert.equal(res.status, 200, path);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.match(res.body, /^<!doctype html>/i);
        assert.match(res.body, /<script>[\s\S]*\/events[\s\S]*<\/script>/, 'inline JS that follows /events');
        assert.doesNotMatch(res.body, /<script[^>]+src=|<link[^>]+href="(?!data:)/, 'nothing loaded from elsewhere');
        const csp = String(res.headers['content-security-policy']);
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /connect-src 'self'/);
        assert.match(csp, /frame-ancestors 'none'/);
      }
    });

    it('answers HEAD without a body and 405 to other methods', async () => {
      const head = await request(`${fx.adminUrl}/dashboard`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.ok(Number(head.headers['content-length']) > 1000);
      const post = await request(`${fx.adminUrl}/dashboard`, { method: 'POST', body: '' });
      assert.equal(post.status, 405);
    });

    it('refuses a cross-origin or DNS-rebound request for the page too', async () => {
      assert.equal((await request(`${fx.adminUrl}/`, { headers: { host: 'evil.example:80' } })).status, 403);
      assert.equal((await request(`${fx.adminUrl}/`, { headers: { origin: 'http://evil.example' } })).status, 403);
    });
  });

  describe('with a token', () => {
    let fx: Fixture;
    before(async () => {
      fx = await startFixture({ token: 'page-token' });
    });
    after(() => fx.close());

    it('serves the page without the token (it holds no data), while the API still needs it', async () => {
      assert.equal((await request(`${fx.adminUrl}/dashboard`)).status, 200);
      assert.equal((await request(`${fx.adminUrl}/api/node`)).status, 401);
    });
  });
});
