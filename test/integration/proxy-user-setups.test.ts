// The two user setups end to end, driven with the real curl: the Apache mod_proxy tutorial and the ALB rules.
import assert from 'node:assert/strict';
import { Closers } from '../helpers/closers.js';
import { curl } from '../helpers/curl.js';
import { startHttpOrigin, type Echo, type HttpOrigin } from '../helpers/http-origin.js';
import { header } from '../helpers/raw-client.js';
import { startProxy, upstream } from '../helpers/start-proxy.js';

describe('proxy user setups (integration)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  describe('Apache mod_proxy tutorial: balancer of two origins, ProxyPreserveHost, ProxyPassReverse', () => {
    async function setup(): Promise<{ hello: HttpOrigin; howdy: HttpOrigin; port: number }> {
      // Each origin answers its greeting; /login-redirect redirects to its own absolute URL, as an
      // application behind a proxy does when it knows only its own address.
      const greeter = (text: string, self: () => HttpOrigin) => (req: { url?: string | undefined; headers: Record<string, unknown> }, res: import('node:http').ServerResponse) => {
        if (req.url === '/login-redirect') {
          res.writeHead(302, { location: `http://${self().address}/login`, 'content-length': '0' });
          res.end();
          return true;
        }
        if (req.url === '/whoami') {
          res.end(`host=${String(req.headers['host'])}`);
          return true;
        }
        res.end(text);
        return true;
      };
      let hello: HttpOrigin | undefined;
      let howdy: HttpOrigin | undefined;
      hello = await startHttpOrigin('hello', closers, greeter('Hello world!\n', () => hello as HttpOrigin));
      howdy = await startHttpOrigin('howdy', closers, greeter('Howdy world!\n', () => howdy as HttpOrigin));
      const proxy = await startProxy(
        {
          routes: [{ name: 'app', preserveHost: true, forward: { upstream: 'greeters' } }],
          upstreams: [upstream('greeters', [hello.address, howdy.address], { balance: 'round-robin' })],
        },
        closers,
      );
      return { hello, howdy, port: proxy.port };
    }

    it('alternates between the two origins (curl)', async () => {
      const { port } = await setup();
      const bodies: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await curl(`http://127.0.0.1:${port}/`);
        assert.equal(res.status, 200);
        bodies.push(res.body.toString());
      }
      assert.deepEqual(bodies, ['Hello world!\n', 'Howdy world!\n', 'Hello world!\n', 'Howdy world!\n']);
    });

    it("passes the client's Host to the origin (preserveHost)", async () => {
      const { port } = await setup();
      const res = await curl(`http://127.0.0.1:${port}/whoami`, ['-H', 'Host: www.example.com']);
      assert.equal(res.body.toString(), 'host=www.example.com');
      const plain = await curl(`http://127.0.0.1:${port}/whoami`);
      assert.equal(plain.body.toString(), `host=127.0.0.1:${port}`);
    });

    it("rewrites the origin's own URL in Location back to the client's (ProxyPassReverse, curl)", async () => {
      const { port } = await setup();
      for (let i = 0; i < 2; i++) {
        const res = await curl(`http://127.0.0.1:${port}/login-redirect`);
        assert.equal(res.status, 302);
        assert.equal(header(res, 'location'), `http://127.0.0.1:${port}/login`);
      }
      const named = await curl(`http://127.0.0.1:${port}/login-redirect`, ['-H', 'Host: www.example.com:8080']);
      assert.equal(header(named, 'location'), 'http://www.example.com:8080/login');
    });
  });

  describe('ALB rules: oauth paths to the backend, everything else to the frontend', () => {
    const cases: [string, 'backend' | 'frontend'][] = [
      ['/oauth2/authorization/google', 'backend'],
      ['/oauth2/authorization/github?redirect=%2Fhome', 'backend'],
      ['/oauth2/authorization', 'backend'],
      ['/login/oauth2/code/google?code=abc&state=xyz', 'backend'],
      ['/login/oauth2/code/google/extra', 'backend'],
      ['/', 'frontend'],
      ['/index.html', 'frontend'],
      ['/login', 'frontend'],
      ['/oauth2', 'frontend'],
      ['/oauth2/authorizationx', 'frontend'],
      ['/login/oauth2', 'frontend'],
      ['/api/users/1', 'frontend'],
      ['/static/js/app.js', 'frontend'],
    ];

    it('sends each path to the right origin, with the path and query intact (curl)', async () => {
      const backend = await startHttpOrigin('backend', closers);
      const frontend = await startHttpOrigin('frontend', closers);
      const proxy = await startProxy(
        {
          routes: [
            // Listed default-first on purpose: priority, not file order, decides.
            { name: 'default', priority: 1000, forward: { upstream: 'frontend' } },
            { name: 'oauth', priority: 10, match: { path: ['/oauth2/authorization/**', '/login/oauth2/code/**'] }, forward: { upstream: 'backend' } },
          ],
          upstreams: [upstream('backend', [backend.address]), upstream('frontend', [frontend.address])],
        },
        closers,
      );
      for (const [path, expected] of cases) {
        const res = await curl(`http://127.0.0.1:${proxy.port}${path}`, ['-H', 'Host: app.example.com']);
        assert.equal(res.status, 200, path);
        assert.equal(header(res, 'x-origin'), expected, path);
        const echo = JSON.parse(res.body.toString()) as Echo;
        assert.equal(echo.url, path);
        assert.equal(echo.headers['x-forwarded-host'], 'app.example.com');
      }
      assert.equal(backend.requests, cases.filter((c) => c[1] === 'backend').length);
      assert.equal(frontend.requests, cases.filter((c) => c[1] === 'frontend').length);
    });
  });
});
