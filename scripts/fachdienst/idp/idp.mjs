// The local Fachdienst's identity provider: panva's certified oidc-provider, with a login form
// that checks a password against the test users below (its development login accepts any
// password, so a wrong password could not be tested against it). Consent is implied for the
// homeservers registered as clients, as for a first-party login. Test-only; never in a
// production build.
//   IDP_PORT=8492  IDP_CLIENTS='[{"client_id":…,"client_secret":…,"redirect_uris":[…]}]'
//   IDP_USERS='{"sso-alice":{"password":…,"name":…}}'  IDP_COOKIE_KEY=<random>
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.IDP_PORT || 8492);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.IDP_CLIENTS || '[]');
const users = JSON.parse(process.env.IDP_USERS || '{}');
// A signing key of this run (Synapse fetches the key set again for an unknown key id); the
// provider's grants and sessions live in memory too, so a restart logs every IdP session out.
const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...c,
  })),
  jwks: { keys: [{ ...signing, use: 'sig', alg: 'RS256', kid: 'run' }] },
  cookies: { keys: [process.env.IDP_COOKIE_KEY || 'local-test-idp'] },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      claims: async () => ({ sub: id, preferred_username: id, name: user.name || id }),
    };
  },
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const known = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (known) return Grant.find(known);
    const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const form = (uid, message) => `<!doctype html><html><body><h1>TI-M test IdP</h1>
${message ? `<p class="error">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<input name="username" autocomplete="username"><input name="password" type="password">
<button type="submit">Anmelden</button></form></body></html>`;

const readForm = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10_000) req.destroy();
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(form(uid));
  }
  const params = await readForm(req);
  const user = users[params.get('username')];
  if (!user || user.password !== params.get('password')) {
    res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(form(uid, 'Benutzername oder Passwort falsch'));
  }
  return provider.interactionFinished(req, res, { login: { accountId: params.get('username') } }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
http
  .createServer(async (req, res) => {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(new URL(req.url, issuer).pathname);
    if (!match) return callback(req, res);
    try {
      await interaction(req, res, match[1]);
    } catch (e) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${e.message}`);
    }
  })
  .listen(port, '127.0.0.1', () => console.log(`local IdP at ${issuer}`));
